"""Generates docs/asyncapi.yaml from the tables below (keep them in step with
server/proto_decode.c; tests/integration/test_docs.py checks both). Run with
/usr/bin/python3 tools/gen_asyncapi.py, then prepend the two comment lines."""
import os
import yaml, collections
INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
def s(maxlen=None, enum=None):
    d = {"type": "string"}
    if maxlen: d["maxLength"] = maxlen
    if enum: d["enum"] = enum
    return d
KINDS = ["speech", "question", "answer", "reply", "order"]
MODES = ["agenda", "speaker", "queue", "vote", "message", "blank"]
# Each request: (who, fields{name: (schema, required)}, summary, example extra)
R = collections.OrderedDict()
R["ping"] = ("anyone", {}, "Round-trip check; answered with pong.")
R["whoami"] = ("anyone", {}, "Who the connection is signed in as.")
R["join"] = ("anyone", {"session_id": (ID, True)}, "Watch a session: replies with a snapshot; events follow.")
R["resume"] = ("anyone", {"session_id": (ID, True), "seq": ({"type": "integer", "minimum": 0}, True)}, "Rejoin after a drop: the missed events, then the reply (or a snapshot if too far behind).")
R["leave"] = ("anyone", {}, "Stop watching the joined session.")
R["session.open"] = ("chair", {}, "Open the session (planned -> open).")
R["session.close"] = ("chair", {}, "Close the session (no sitting may be open).")
R["sitting.open"] = ("chair", {"sitting_id": (ID, True)}, "Open a planned sitting.")
R["sitting.close"] = ("chair", {}, "Close the open sitting (ends the current turn).")
R["agenda.activate"] = ("chair", {"item_id": (ID, True)}, "Make an agenda item the active one.")
R["agenda.next"] = ("chair", {}, "Activate the next item not done, in agenda order.")
R["agenda.previous"] = ("chair", {}, "Activate the item before the active one.")
R["agenda.done"] = ("chair", {"item_id": (ID, False)}, "Mark an item (default: the active one) done.")
R["attendance.check_in"] = ("delegate", {}, "Check yourself in at the open sitting.")
R["attendance.check_out"] = ("delegate", {}, "Check yourself out.")
R["attendance.set"] = ("secretary", {"person_id": (ID, True), "present": ({"type": "boolean"}, True)}, "The secretary (or chair) records a delegate present or absent.")
R["speaker.request"] = ("delegate", {"kind": (s(16, KINDS), True)}, "Ask to speak on the active item; a point of order goes to the head of the queue.")
R["speaker.withdraw"] = ("delegate", {}, "Withdraw your request on the active item.")
R["speaker.grant"] = ("chair", {"request_id": (ID, False)}, "Give the floor to a queued request (default: the first); ends the current turn.")
R["speaker.give_floor"] = ("chair", {"person_id": (ID, True), "kind": (s(16, KINDS), False)}, "Give the floor to a member who is not queued.")
R["speaker.reorder"] = ("chair", {"request_id": (ID, True), "index": ({"type": "integer", "minimum": 0}, True)}, "Move a queued request to a position (0 = first).")
R["speaker.remove"] = ("chair", {"request_id": (ID, True)}, "Remove a queued request.")
R["speaker.end"] = ("chair", {}, "End the current turn.")
R["timer.pause"] = ("chair", {}, "Pause the speaking timer.")
R["timer.resume"] = ("chair", {}, "Resume it.")
R["timer.extend"] = ("chair", {"seconds": ({"type": "integer", "minimum": 1, "maximum": 3600}, True)}, "Give the speaker more time.")
R["display.set"] = ("chair", {"mode": (s(16, MODES), True), "message": (s(500), False)}, "What the hall display shows; message only (and required) with mode message.")

R["vote.prepare"] = ("chair", {"kind": (s(16, ["open", "named", "secret", "election", "confidence"]), True), "question": (s(2000), True), "item_id": (ID, False), "rule": (s(32, ["total_majority", "present_majority", "cast_majority", "total_two_thirds", "cast_two_thirds"]), False), "seats": ({"type": "integer", "minimum": 1}, False), "candidates": ({"type": "array", "maxItems": 100, "items": {"type": "object", "required": ["id", "name"], "properties": {"id": ID, "name": {"type": "string"}}}}, False), "mode": (s(16, ["choose", "mark"]), False), "allow_change": ({"type": "boolean"}, False), "live_named": ({"type": "boolean"}, False), "late_checkin": ({"type": "boolean"}, False), "duration_s": ({"type": "integer", "minimum": 0}, False), "board": ({"type": "array", "maxItems": 15, "items": ID}, False)}, "Prepare a vote on an agenda item (default: the active one); its id is the seq of the vote.prepared event.")
R["vote.open"] = ("chair", {"vote_id": (ID, True)}, "Open a prepared vote; the delegates present now are eligible.")
R["vote.cast"] = ("delegate", {"vote_id": (ID, True), "choice": ({"oneOf": [s(16, ["for", "against", "abstain"]), {"type": "object"}]}, True), "nonce": ({"type": "string", "minLength": 22, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}, False)}, "Cast (or repeat) a ballot; secret kinds need a random nonce of at least 128 bits, the voter's own (one another voter already used is refused with nonce_in_use). Acknowledged only once committed.")
R["vote.enter"] = ("secretary", {"vote_id": (ID, True), "person_id": (ID, True), "choice": (s(16, ["for", "against", "abstain"]), True)}, "Enter the choice of a present delegate without a device (open and named votes).")
R["vote.close"] = ("chair", {"vote_id": (ID, True)}, "Close the vote; it is counted at once.")
R["vote.confirm"] = ("counting board", {"vote_id": (ID, True)}, "A counting-board member confirms the count; more than half of the board publishes it.")
R["vote.publish"] = ("chair", {"vote_id": (ID, True)}, "Publish a counted vote that has no counting board.")
R["vote.cancel"] = ("chair", {"vote_id": (ID, True)}, "Cancel a vote (kept in the record as cancelled).")
R["vote.tally"] = ("chair or counting board", {"vote_id": (ID, True)}, "Read a counted result before publication.")

def camel(t):
    return "".join(p.capitalize() for p in t.replace(".", "_").split("_"))

def example_for(t, f, sch):
    special = {"question": "Thông qua Nghị quyết", "nonce": "k3Jw9vQ2sXb7LmN0pR5tYz",
               "candidates": [{"id": 7, "name": "Nguyễn Văn A"}], "board": [12, 13, 14],
               "message": "Giải lao 15 phút", "choice": "for", "seq": 12, "index": 0,
               "seconds": 60, "mode": "message"}
    if f == "kind":
        return "secret" if t.startswith("vote.") else "speech"
    if f == "mode" and t.startswith("vote."):
        return "choose"
    if f in special:
        return special[f]
    if sch.get("type") == "boolean":
        return f != "allow_change"
    if "enum" in sch:
        return sch["enum"][0]
    return 5

msgs = {}
REQID = {"$ref": "#/components/schemas/RequestId"}
for t, (who, fields, summary) in R.items():
    props = {"type": {"type": "string", "const": t}, "id": REQID}
    req = ["type", "id"]
    ex = {"type": t, "id": 1}
    for f, (sch, required) in fields.items():
        props[f] = sch
        if required:
            req.append(f)
        ex[f] = example_for(t, f, sch)
    msgs[camel(t)] = {"messageId": t, "name": t, "title": t, "summary": f"{summary} Who: {who}.",
                      "payload": {"type": "object", "additionalProperties": False, "required": req, "properties": props},
                      "examples": [{"name": "example", "payload": ex}]}

ok_payload = {"type": "object", "required": ["type", "re"], "properties": {
    "type": {"type": "string", "const": "ok"}, "re": REQID,
    "data": {"type": "object", "description": "join: {you, snapshot}; resume: {you, seq, replayed} or {you, seq, replayed: null, snapshot}; session commands: {seq} of the event they caused; whoami: {person, role}; leave: absent."}}}
msgs["Ok"] = {"messageId": "ok", "name": "ok", "title": "ok", "summary": "Success reply to a request.",
              "payload": ok_payload, "examples": [{"name": "command", "payload": {"type": "ok", "re": 7, "data": {"seq": 42}}}]}
msgs["Pong"] = {"messageId": "pong", "name": "pong", "title": "pong", "summary": "Reply to ping.",
                "payload": {"type": "object", "required": ["type", "re"], "properties": {"type": {"type": "string", "const": "pong"}, "re": REQID}},
                "examples": [{"name": "pong", "payload": {"type": "pong", "re": 1}}]}
CODES = ["bad_json", "not_object", "missing_field", "bad_field", "unknown_field", "unknown_type", "too_large",
         "binary_not_supported", "db_unavailable", "internal", "rate_limited", "unauthenticated", "forbidden",
         "session_ended", "not_joined", "not_found", "invalid_state", "conflict", "vote_closed",
         "not_eligible", "already_voted", "bad_choice", "nonce_in_use"]
msgs["Error"] = {"messageId": "error", "name": "error", "title": "error", "summary": "Failure reply: nothing changed.",
                 "payload": {"type": "object", "required": ["type", "re", "code", "message", "retryable"], "properties": {
                     "type": {"type": "string", "const": "error"},
                     "re": {"oneOf": [REQID, {"type": "null"}]},
                     "code": {"type": "string", "enum": CODES},
                     "field": {"type": "string", "description": "The field at fault (also for not_found)."},
                     "reason": {"type": "string", "description": "Why a state or permission refusal happened, e.g. no_open_sitting, chair_only, already_queued."},
                     "message": {"type": "string", "description": "For people, in the connection's language (Vietnamese by default)."},
                     "retryable": {"type": "boolean"}}},
                 "examples": [{"name": "state", "payload": {"type": "error", "re": 9, "code": "invalid_state", "reason": "no_open_sitting", "message": "Không thể thực hiện thao tác này ở trạng thái hiện tại của kỳ họp.", "retryable": False}}]}
TURN = {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
    "id": INT, "person_id": INT, "name": {"type": "string"}, "kind": s(16, KINDS), "item_id": INT, "limit_s": INT,
    "extended_s": INT, "started_ms": INT, "deadline_ms": {"type": "integer", "description": "Absent while paused. Count down to this (corrected by the snapshot's server_ms)."},
    "remaining_ms": INT, "elapsed_ms": INT, "paused": {"type": "boolean"}, "overran": {"type": "boolean"}}}]}
QUEUE = {"type": "array", "items": {"type": "object", "properties": {"request_id": INT, "person_id": INT, "name": {"type": "string"}, "kind": s(16, KINDS)}}}
ENDED = {"oneOf": [{"type": "null"}, {"type": "object", "properties": {"id": INT, "person_id": INT, "kind": s(16, KINDS), "duration_ms": INT, "overran": {"type": "boolean"}}}]}
EV = collections.OrderedDict()
EV["session.opened"] = ({"state": {"type": "string", "const": "open"}}, "The session opened.")
EV["session.closed"] = ({"state": {"type": "string", "const": "closed"}}, "The session closed.")
EV["sitting.opened"] = ({"sitting_id": INT, "ordinal": INT, "title": {"type": "string"}, "closed": {"type": "boolean"}}, "A sitting opened (observers learn whether it is closed to them).")
EV["sitting.closed"] = ({"sitting_id": INT, "ended": ENDED}, "The sitting closed, ending any turn.")
EV["agenda.activated"] = ({"item_id": INT, "title": {"type": "string"}, "previous_item_id": {"type": ["integer", "null"]}, "queue": QUEUE}, "An agenda item became active.")
EV["agenda.done"] = ({"item_id": INT, "active_item_id": {"type": ["integer", "null"]}}, "An item was marked done.")
EV["attendance.changed"] = ({"person_id": INT, "name": {"type": "string"}, "present": {"type": "boolean"}, "method": s(16, ["self", "secretary"]), "present_count": INT, "total_seats": INT, "quorum": INT, "quorum_met": {"type": "boolean"}}, "A delegate checked in or out; counts and quorum.")
EV["queue.changed"] = ({"reason": s(16, ["requested", "withdrawn", "removed", "reordered"]), "request_id": INT, "item_id": INT, "queue": QUEUE}, "The speaker queue of an item, as it now is.")
EV["floor.changed"] = ({"reason": s(16, ["granted", "given", "ended", "paused", "resumed", "extended"]), "turn": TURN, "ended": ENDED, "queue": QUEUE}, "Who has the floor and their timer; the turn that ended, if any.")
EV["floor.overrun"] = ({"turn_id": INT, "turn": TURN}, "The speaker's time ran out.")
EV["vote.prepared"] = ({"vote": {"type": "object"}}, "A vote was prepared (its public description).")
EV["vote.opened"] = ({"vote_id": INT, "eligible_count": INT, "eligible": {"type": "array", "items": ID, "description": "The person ids who may vote: the delegates present now."}, "closes_ms": {"type": ["integer", "null"]}}, "A vote opened.")
EV["vote.closed"] = ({"vote_id": INT, "cast_count": INT, "eligible_count": INT, "automatic": {"type": "boolean"}}, "A vote closed (by the chair or its countdown).")
EV["vote.counted"] = ({"vote_id": INT, "awaiting": s(16, ["board", "chair"]), "cast_count": INT}, "Counted; the tally stays private until published.")
EV["vote.confirmed"] = ({"vote_id": INT, "by": INT, "confirmations": INT, "needed": INT}, "A counting-board member confirmed.")
EV["vote.published"] = ({"vote_id": INT, "result": {"type": "object"}, "named": {"type": "array"}}, "The result: rule, threshold, counts, passed (or elected/tie, or confidence flags), and for secret kinds the receipts and the ballot digest.")
EV["vote.cancelled"] = ({"vote_id": INT, "was": {"type": "string"}}, "A vote was cancelled.")
EV["display.changed"] = ({"mode": s(16, MODES), "message": {"type": ["string", "null"]}}, "What the hall display shows.")
for name, (data, summary) in EV.items():
    msgs["Event" + camel(name)] = {"messageId": "event." + name, "name": name, "title": name, "summary": summary + " Carries the session's gap-free seq.",
        "payload": {"type": "object", "required": ["type", "session_id", "seq", "at_ms", "name", "data"], "properties": {
            "type": {"type": "string", "const": "event"}, "session_id": INT, "seq": {"type": "integer", "minimum": 1},
            "at_ms": INT, "name": {"type": "string", "const": name}, "data": {"type": "object", "properties": data}}}}
msgs["NoticeVoteProgress"] = {"messageId": "notice.vote.progress", "name": "vote.progress", "title": "vote.progress",
    "summary": "Unsequenced, at most every 100 ms while a vote is open: how many of the eligible have voted; for live named votes every choice so far.",
    "payload": {"type": "object", "required": ["type", "session_id", "name", "data"], "properties": {
        "type": {"type": "string", "const": "notice"}, "session_id": INT, "name": {"type": "string", "const": "vote.progress"},
        "data": {"type": "object", "properties": {"vote_id": INT, "cast_count": INT, "eligible_count": INT, "named": {"type": "array"}}}}}}
msgs["EventHidden"] = {"messageId": "event.hidden", "name": "hidden", "title": "hidden",
    "summary": "What an observer gets for an event inside a closed sitting: the seq, nothing else.",
    "payload": {"type": "object", "required": ["type", "session_id", "seq", "at_ms", "name"], "properties": {
        "type": {"type": "string", "const": "event"}, "session_id": INT, "seq": INT, "at_ms": INT, "name": {"type": "string", "const": "hidden"}}}}

doc = {
 "asyncapi": "2.6.0",
 "id": "urn:plenum:plenum.v1",
 "defaultContentType": "application/json",
 "info": {"title": "Plenum live protocol (plenum.v1)", "version": "0.1.0",
          "description": "JSON messages over one WebSocket at /ws with subprotocol plenum.v1. Every request carries an id and gets exactly one reply carrying re. Server events carry a per-session, gap-free seq. See docs/protocol.md for the handshake, limits, close codes and error codes.",
          "contact": {"name": "Plenum developers", "url": "https://localhost/docs/protocol.md", "email": "dev@plenum.invalid"},
          "license": {"name": "Proprietary until published", "url": "https://localhost/LICENSE"}},
 "tags": [{"name": "live", "description": "Live sitting: agenda, attendance, speakers."}],
 "servers": {"local": {"url": "localhost:8080", "protocol": "ws", "description": "plenumd started by make run"}},
 "channels": {"/ws": {
    "bindings": {"ws": {"method": "GET",
        "query": {"type": "object", "properties": {"lang": {"type": "string", "enum": ["vi", "en"], "description": "Language of error messages (default vi)."}}},
        "headers": {"type": "object", "properties": {
            "Sec-WebSocket-Protocol": {"type": "string", "const": "plenum.v1"},
            "Origin": {"type": "string", "description": "Browsers only; must equal one allowed origin exactly (else HTTP 403)."},
            "Cookie": {"type": "string", "description": "plenum_session=<token> from POST /api/login (signed in)."},
            "Authorization": {"type": "string", "description": "Bearer <token>, for clients that are not browsers."}}}}},
    "publish": {"operationId": "request", "summary": "Requests sent by a client.", "message": {"oneOf": [{"$ref": f"#/components/messages/{camel(t)}"} for t in R]}},
    "subscribe": {"operationId": "receive", "summary": "Replies and events sent by the server.", "message": {"oneOf": [{"$ref": f"#/components/messages/{k}"} for k in ["Ok", "Pong", "Error"] + ["Event" + camel(n) for n in EV] + ["EventHidden", "NoticeVoteProgress"]]}}}},
 "components": {"schemas": {"RequestId": {"description": "Chosen by the client, echoed as re.", "oneOf": [{"type": "integer", "minimum": 0, "maximum": 9007199254740991}, {"type": "string", "minLength": 1, "maxLength": 64}]}},
                "messages": msgs},
}
yaml.safe_dump(doc, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "asyncapi.yaml"), "w"), sort_keys=False, allow_unicode=True, width=100)
