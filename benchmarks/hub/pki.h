// Where the benchmark's certificates are (certs/make-dev-certs.sh --out DIR)
// and the mTLS channel options for one agency's certificate from them.
#ifndef CRE_BENCHMARKS_HUB_PKI_H_
#define CRE_BENCHMARKS_HUB_PKI_H_

#include <string>

#include "client/hub_channel.h"

namespace cre::bench {

struct Pki {
  std::string dir;  // holds ca.crt, hub.crt, hub.key, agencies/<id>.crt|.key

  std::string CaFile() const { return dir + "/ca.crt"; }
  std::string ServerCertFile() const { return dir + "/hub.crt"; }
  std::string ServerKeyFile() const { return dir + "/hub.key"; }

  // A channel to `target` as `agency`; `channel_id` gives it its own connection.
  client::HubChannelOptions For(const std::string& target, const std::string& agency, int channel_id = 0) const {
    client::HubChannelOptions options{target, CaFile(), dir + "/agencies/" + agency + ".crt",
                                      dir + "/agencies/" + agency + ".key"};
    options.channel_id = channel_id;
    return options;
  }
};

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_PKI_H_
