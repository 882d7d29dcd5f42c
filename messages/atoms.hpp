// Every atom camfleet's actors exchange, with who sends it to whom.

#pragma once

#include <caf/atom.hpp>

namespace camfleet {

/// timer or operator → subnet supervisor: start a patrol now.
using patrol_atom = caf::atom_constant<caf::atom("patrol")>;

/// subnet supervisor → itself, with a patrol id: that patrol's deadline passed.
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

/// subnet supervisor → itself, with a patrol id: cancelled captures had their
/// teardown budget and still did not report; stop waiting for them.
using grace_atom = caf::atom_constant<caf::atom("grace")>;

/// subnet supervisor → camera: cancel the running capture, if any.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;

/// camera → capture worker: run the capture now.
using capture_atom = caf::atom_constant<caf::atom("capture")>;

/// capture worker → camera, with a capture_phase: the capture entered it.
using phase_atom = caf::atom_constant<caf::atom("phase")>;

/// camera → itself, with a capture sequence number: the backoff may be over.
using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// camera → itself, with a capture sequence number: the capture overran its
/// budget and teardown; cancel it and say so.
using overrun_atom = caf::atom_constant<caf::atom("overrun")>;

/// fleet root → subnet supervisors, camfleetd → patrol log: stop patrolling,
/// cancel and tear down every session, then quit.
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

} // namespace camfleet

namespace camfleet {

/// fleet root → whoever started it, with a bool: in one-patrol mode, every
/// subnet finished its patrol; true if every camera was captured.
using fleet_done_atom = caf::atom_constant<caf::atom("fleetdone")>;

} // namespace camfleet
