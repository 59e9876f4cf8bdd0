#!/usr/bin/python3
"""cre_agency.py: a small Python agency client for the CRE hub.

Usage: cre_agency.py submit FILE.json --cert FILE --key FILE [--idempotency-key KEY]
                                      [--case-id ID] [--hub HOST:PORT] [--ca FILE]
       cre_agency.py inbox --out DIR --cert FILE --key FILE [--max-messages N]
                                      [--seconds S] [--hub HOST:PORT] [--ca FILE]

submit: sends FILE.json (a Referrals request in the protobuf JSON mapping, e.g.
  agency-adapters/samples/health-concern.json) and prints the hub's receipt as
  JSON. The key makes a retry safe: the same key and content get the first
  receipt again and create nothing. Keep the key you send (the one printed on
  stderr, if you did not choose it) and use it again when you retry.

inbox: subscribes to this agency's inbox and writes each message to
  DIR/<message id>.json (temporary file, fsync, rename, fsync the folder)
  before acknowledging it, so a crash at any moment loses nothing: what was
  not acknowledged is handed out again and replaces its own file.

Exit status: 0 done; 64 bad flags or a file that is not a submission; 65
refused by the hub; 69 cannot start (certificates, the hub does not know
them); 74 a message could not be written (not acknowledged); 75 the hub is
unreachable or failing (try again later, with the same key).

Runs on Debian's python3-grpcio with stubs made by Debian's
python3-grpc-tools: PYTHONPATH must hold the folder they were generated into
(build/python, made by the build).
"""

import argparse
import datetime
import json
import os
import random
import secrets
import signal
import sys
import time

import grpc
from google.protobuf import json_format

try:
    from cre.v1 import directory_pb2, directory_pb2_grpc, inbox_pb2, inbox_pb2_grpc
    from cre.v1 import referrals_pb2, referrals_pb2_grpc, routed_message_pb2
except ImportError as error:
    print(f"cre_agency: cannot import the generated stubs ({error}); build them "
          "(cmake --build build --target python_stubs) and set PYTHONPATH=build/python", file=sys.stderr)
    sys.exit(69)

# Exit statuses, as the C++ adapters' (sysexits.h).
EXIT_OK, EXIT_USAGE, EXIT_REFUSED, EXIT_CANNOT_START, EXIT_IO_ERROR, EXIT_TRY_LATER = 0, 64, 65, 69, 74, 75

# The request's top-level field tells the Referrals method, as in the C++
# client (agency-adapters/client/submission.cc).
METHODS = {
    "concern": ("SubmitConcern", referrals_pb2.SubmitConcernRequest),
    "report": ("SubmitOperationLibertyReport", referrals_pb2.SubmitOperationLibertyReportRequest),
    "assessment": ("RecordRiskAssessment", referrals_pb2.RecordRiskAssessmentRequest),
    "events": ("RecordCaseEvents", referrals_pb2.RecordCaseEventsRequest),
    "referral": ("SubmitStepUpReferral", referrals_pb2.SubmitStepUpReferralRequest),
    "notification": ("SendNotification", referrals_pb2.SendNotificationRequest),
    "decision": ("RecordDecisionNotToShare", referrals_pb2.RecordDecisionNotToShareRequest),
    "response": ("Respond", referrals_pb2.RespondRequest),
}

# Worth trying again: the hub is unreachable, busy or failing for now. Any
# other code is the hub's answer to this request, and final.
RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
           grpc.StatusCode.ABORTED, grpc.StatusCode.RESOURCE_EXHAUSTED}
ATTEMPT_SECONDS = 10


class Stop(Exception):
    """Ends the program with an exit status and a message for stderr."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def log(text):
    print(f"cre_agency: {text}", file=sys.stderr, flush=True)


def read_file(path, what, status=EXIT_CANNOT_START):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as error:
        raise Stop(status, f"{what}: cannot read {path}: {error.strerror}")


def connect(args):
    """An mTLS channel presenting the agency's certificate."""
    certificate = read_file(args.cert, "--cert")
    credentials = grpc.ssl_channel_credentials(
        certificate_chain=certificate, private_key=read_file(args.key, "--key"),
        root_certificates=read_file(args.ca, "--ca"))
    return grpc.secure_channel(args.hub, credentials)


def call_with_retry(call, request, give_up_after):
    """Calls with a deadline an attempt, retrying what is worth retrying with
    exponential backoff (200 ms doubling to 10 s) and full jitter."""
    give_up = time.monotonic() + give_up_after
    backoff = 0.2
    while True:
        try:
            return call(request, timeout=ATTEMPT_SECONDS)
        except grpc.RpcError as error:
            pause = backoff * random.uniform(0.5, 1.0)
            if error.code() not in RETRIED or time.monotonic() + pause > give_up:
                raise
            log(f"{error.code().name}: {error.details()}; trying again in {pause:.1f} s")
            time.sleep(pause)
            backoff = min(backoff * 2, 10.0)


def who_am_i(channel, give_up_after):
    """The agency the hub takes our certificate to be; a clear stop if none."""
    try:
        reply = call_with_retry(directory_pb2_grpc.DirectoryStub(channel).WhoAmI,
                                directory_pb2.WhoAmIRequest(), give_up_after)
    except grpc.RpcError as error:
        status = EXIT_TRY_LATER if error.code() in RETRIED else EXIT_CANNOT_START
        raise Stop(status, f"the hub did not accept our certificate: {error.code().name}: {error.details()}")
    log(f"connected as {reply.agency.id}")
    return reply.agency.id


def new_idempotency_key():
    """Like the C++ adapters' keys: sorts by when it was made, then 64 random bits."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"{now:%Y%m%dT%H%M%S.%f}Z-{secrets.token_hex(8)}"


def submit(args):
    try:
        text = read_file(args.file, "FILE.json", EXIT_USAGE).decode("utf-8")
        fields = json.loads(text)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError both
        raise Stop(EXIT_USAGE, f"{args.file}: not JSON: {error}")
    bodies = [field for field in METHODS if isinstance(fields, dict) and field in fields]
    if len(bodies) != 1:
        raise Stop(EXIT_USAGE, f"{args.file}: expected exactly one of {', '.join(METHODS)} at the top level")
    method, request_type = METHODS[bodies[0]]
    request = request_type()
    try:
        json_format.Parse(text, request)
    except json_format.ParseError as error:
        raise Stop(EXIT_USAGE, f"{args.file}: not a {request_type.DESCRIPTOR.name}: {error}")
    if args.case_id:
        if "case_id" not in request_type.DESCRIPTOR.fields_by_name:
            raise Stop(EXIT_USAGE, f"{args.file}: {method} takes no case id")
        request.case_id = args.case_id
    request.idempotency_key = args.idempotency_key or request.idempotency_key or new_idempotency_key()
    log(f"{method} with idempotency key {request.idempotency_key}")

    channel = connect(args)
    who_am_i(channel, args.give_up_after)
    stub = referrals_pb2_grpc.ReferralsStub(channel)
    try:
        receipt = call_with_retry(getattr(stub, method), request, args.give_up_after)
    except grpc.RpcError as error:
        if error.code() in RETRIED or error.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
            raise Stop(EXIT_TRY_LATER, f"not sent, try again later with the same key "
                       f"{request.idempotency_key}: {error.code().name}: {error.details()}")
        raise Stop(EXIT_REFUSED, f"refused by the hub: {error.code().name}: {error.details()}")
    print(json_format.MessageToJson(receipt, indent=2))
    return EXIT_OK


def write_durably(folder, name, content):
    """Writes folder/name so that it is whole or absent after a crash: a
    temporary file, fsynced, renamed over the name, then the folder fsynced
    so that the rename itself is on disk."""
    path = os.path.join(folder, name)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(temporary, path)
        folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder_fd)
        finally:
            os.close(folder_fd)
    except OSError:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def safe_file_name(name):
    """Letters, digits, '.', '_' and '-' only, as the C++ adapters name files."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)
    return safe if safe and not safe.startswith(".") else "_" + safe


def describe(message):
    kind = routed_message_pb2.MessageKind.Name(message.kind)
    case = f", case {message.case_id}" if message.case_id else ""
    sender = message.sender_agency_id or "the hub"
    undelivered = ""
    if message.HasField("non_delivery_report"):
        # Which of this agency's messages the hub could not deliver, to whom and why.
        report = message.non_delivery_report
        undelivered = (f": message {report.undelivered_message_id} to {report.recipient_agency_id}"
                       f" not delivered, {report.reason}")
    return f"{kind} from {sender}{case}, message {message.message_id}{undelivered}"


def inbox(args):
    os.makedirs(args.out, exist_ok=True)
    channel = connect(args)
    who_am_i(channel, args.give_up_after)
    stub = inbox_pb2_grpc.InboxStub(channel)
    end = time.monotonic() + args.seconds if args.seconds else None
    stream = None
    stopping = False

    # Ctrl-C or SIGTERM: end the stream; the message in hand, if any, has
    # been written or will not be acknowledged, so nothing is lost.
    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        if stream is not None:
            stream.cancel()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def seconds_left():
        return None if end is None else max(0.0, end - time.monotonic())

    received, backoff = 0, 0.2
    while not stopping and received != args.max_messages and seconds_left() != 0:
        stream = stub.Subscribe(inbox_pb2.SubscribeRequest(), timeout=seconds_left())
        try:
            for message in stream:
                try:
                    document = json_format.MessageToJson(message, indent=2).encode("utf-8")
                    path = write_durably(args.out, safe_file_name(message.message_id) + ".json", document)
                except (OSError, ValueError) as error:
                    # Not acknowledged: the hub hands it out again later.
                    stream.cancel()
                    raise Stop(EXIT_IO_ERROR, f"not persisted, not acknowledged: delivery "
                               f"{message.delivery_id} (message {message.message_id}): {error}")
                redelivery = " (redelivery)" if message.redelivery_count else ""
                log(f"received {describe(message)} -> {path}{redelivery}")
                call_with_retry(stub.Acknowledge, inbox_pb2.AcknowledgeRequest(
                    delivery_ids=[message.delivery_id]), args.give_up_after)
                received, backoff = received + 1, 0.2
                if received == args.max_messages:
                    stream.cancel()
                    break
        except grpc.RpcError as error:
            if stopping or received == args.max_messages or seconds_left() == 0:
                break  # we ended it ourselves
            if error.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                raise Stop(EXIT_CANNOT_START, f"inbox refused: {error.code().name}: {error.details()}")
            # Whatever was not acknowledged comes back on the next stream.
            log(f"inbox stream ended, subscribing again: {error.code().name}: {error.details()}")
            time.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, 10.0)
    log(f"{received} message(s) written and acknowledged")
    return EXIT_OK


class Flags(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        raise Stop(EXIT_USAGE, message)


def parse_flags(argv):
    connection = argparse.ArgumentParser(add_help=False)
    add = connection.add_argument
    add("--hub", default="localhost:50051", metavar="HOST:PORT", help="the hub (default localhost:50051)")
    add("--ca", default="certs/dev/ca.crt", metavar="FILE", help="CA certificate of the hub (default certs/dev/ca.crt)")
    add("--cert", required=True, metavar="FILE",
        help="this agency's client certificate, e.g. certs/dev/agencies/derby-health.crt")
    add("--key", required=True, metavar="FILE", help="its private key")
    add("--give-up-after", type=float, default=60, metavar="S",
        help="stop retrying an unreachable hub after S seconds (default 60)")
    flags = Flags(prog="cre_agency.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = flags.add_subparsers(dest="command", required=True, parser_class=Flags)

    one = commands.add_parser("submit", parents=[connection], help="send one submission, print the receipt")
    one.add_argument("file", metavar="FILE.json", help="the request in the protobuf JSON mapping")
    one.add_argument("--idempotency-key", metavar="KEY",
                     help="the submission's key (default: the file's, or a new one)")
    one.add_argument("--case-id", metavar="ID", help="sets the request's caseId")

    box = commands.add_parser("inbox", parents=[connection],
                              help="write each inbox message to a file, then acknowledge it")
    box.add_argument("--out", required=True, metavar="DIR", help="folder for the message files (created if missing)")
    box.add_argument("--max-messages", type=int, default=-1, metavar="N", help="stop after N messages (default: never)")
    box.add_argument("--seconds", type=float, default=0, metavar="S", help="stop after S seconds (default: never)")
    return flags.parse_args(argv)


def main(argv):
    try:
        args = parse_flags(argv)
        return submit(args) if args.command == "submit" else inbox(args)
    except Stop as stop:
        log(str(stop))
        return stop.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
