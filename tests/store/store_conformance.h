// The store conformance suite: what any Store must do, written once against
// the interface (hub/store/store.h) alone: no SQL, no MySQL types. A
// topology (one MariaDB now; a Galera cluster, one node a store, later) is
// a factory of stores under test, and its test file instantiates the suite
// for it:
//
//   INSTANTIATE_TEST_SUITE_P(MariaDb, StoreConformanceTest,
//                            ::testing::Values(StoreTopology{"MariaDb", &MakeMariaDbStore}),
//                            TopologyName);
//
// The tests are in store_conformance.cc, which the instantiating test
// binary compiles in (a library's unreferenced tests would not be linked).
// Each test gets a fresh StoreUnderTest: an empty, migrated store, with no
// agencies. Tests that need time to pass use millisecond leases and
// backoffs, never long sleeps.
#ifndef CRE_TESTS_STORE_STORE_CONFORMANCE_H_
#define CRE_TESTS_STORE_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "store/store.h"
#include "support/one_stream.h"

namespace cre::testing {

// An agency for the store tests: `id`, a display name made from it, `role`
// and, for another local authority, its ONS `code`.
inline v1::Agency MakeAgency(const std::string& id, v1::AgencyRole role, const std::string& code = "") {
  v1::Agency agency;
  agency.set_id(id);
  agency.set_display_name("Agency " + id);
  agency.set_role(role);
  agency.set_local_authority_code(code);
  return agency;
}

// A child for a case the tests open: the family name "Example", born
// 2 January 2013.
inline v1::NewChild ExampleChild() {
  v1::NewChild child;
  child.mutable_details()->set_family_name("Example");
  child.mutable_child()->set_date_of_birth("2013-01-02");
  return child;
}

// The agencies' ids, in their order.
inline std::vector<std::string> Ids(const std::vector<v1::Agency>& agencies) {
  std::vector<std::string> ids;
  for (const v1::Agency& agency : agencies) ids.push_back(agency.id());
  return ids;
}

// One store being tested, owning what it needs (a schema, a server) and
// dropping it when destroyed.
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  // The store the tests call.
  virtual Store& store() = 0;
  // Another store on the same data, as a second hub process opens it (on
  // another node of a cluster, if the topology has several): what either
  // writes, the other sees. Must not outlive this.
  virtual std::unique_ptr<Store> OpenAnother() = 0;
  // Returns once what any store of the topology committed can be read
  // through every other: at once on one server; on a cluster, once every
  // node has applied it (a node applies another's commit a moment after
  // that commit returns). For a case that reads through one process what
  // another has just written.
  virtual void AwaitReplication() {}
};

// A way of running a store: its name (a gtest name: letters, digits and
// underscores) and how to make an empty one.
struct StoreTopology {
  std::string name;
  std::function<std::unique_ptr<StoreUnderTest>()> make;
};

// gtest prints the parameter by its name.
void PrintTo(const StoreTopology& topology, std::ostream* out);
// INSTANTIATE_TEST_SUITE_P's name generator: the topology's name.
std::string TopologyName(const ::testing::TestParamInfo<StoreTopology>& info);

class StoreConformanceTest : public ::testing::TestWithParam<StoreTopology> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return under_test_->store(); }
  std::unique_ptr<Store> OpenAnother() { return under_test_->OpenAnother(); }
  void AwaitReplication() { under_test_->AwaitReplication(); }

  // Registers the two agencies the delivery tests use: "sender" (HEALTH)
  // and "pru" (POLICE_REFERRAL_UNIT).
  void RegisterSenderAndPru();

  // An Operation Liberty report from "sender" with `key` as its
  // idempotency key and request digest; accepted_at now.
  static Submission ReportSubmission(const std::string& key);

  // Opens a case for a new child with report `key`, routed to the PRU, with
  // `schedule`; its id, or "" (the test failed) if it was refused.
  std::string OpenCase(const std::string& key, const CaseSchedule& schedule);
  // Opens a case for each of `schedules` (OpenCase) with those open actions;
  // fails the test if one is refused.
  void OpenCasesWithActions(const std::vector<std::vector<OpenAction>>& schedules);

  // A report routed to the PRU: on `case_id`, or opening a case with
  // `child`, or neither; offered `streams`; accepted by `on` (store() if
  // null). Fails the test if it is not accepted.
  absl::StatusOr<Accepted> Report(const std::string& key, StreamOffer* streams, const std::string& case_id = "",
                                  const v1::NewChild* child = nullptr, Store* on = nullptr);
  // A report without a case, routed to the PRU; its message id ("" if
  // refused).
  std::string SubmitReport(const std::string& key, Store* on = nullptr);

  // The PRU's deliveries claimed by `owner`; fails the test on error.
  std::vector<v1::RoutedMessage> Claim(const std::string& owner, int limit, const DeliveryPolicy& policy,
                                       Store* on = nullptr);

  // Seals the whole journal and returns the chain from seq 1, checking
  // that it verifies.
  std::vector<v1::AuditRecord> SealAndReadChain();

 private:
  std::unique_ptr<StoreUnderTest> under_test_;
};

// Routes every submission to `agency`.
RouteFn RouteTo(const std::string& agency);

}  // namespace cre::testing

#endif  // CRE_TESTS_STORE_STORE_CONFORMANCE_H_
