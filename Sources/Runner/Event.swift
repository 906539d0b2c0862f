import ScenarioFormat
import Sockets

/// What one step did: the call, the system calls it made, the outcome, the verdict, and the
/// kernel's view of every socket afterwards. Explain and Render read events; they never run sockets.
public struct Event: Sendable {
    /// 1-based position of the step in the file.
    public var index: Int
    public var step: Step
    /// The call's name (`connect`), or `.state` style attribute reads as `state`.
    public var call: String
    /// The socket the call was made on, if any.
    public var receiver: String?
    /// The system calls made, as `strace` would print them for the equivalent Python program.
    public var syscalls: [String]
    public var outcome: Outcome
    public var verdict: Verdict
    /// Facts the runner noticed, for the explanation.
    public var notes: [Note]
    /// Values the explanation quotes: "address" (the address the call used), "fd", "bytes".
    public var facts: [String: String]
    /// Sockets after the step (open ones, and closed ones the kernel still tracks).
    public var sockets: [SocketSnapshot]
    /// TCP state changes this step caused, in table order.
    public var stateChanges: [StateChange]
    /// Wall time of the step in seconds.
    public var duration: Double
    /// What in this run caused the outcome (the step that closed the peer, shut down writing, holds
    /// the port...), when the runner can tell from its history; nil when it cannot.
    public var cause: RunCause? = nil
    /// The packets the step caused, as captured on the run's loopback; nil when the run has no
    /// capture (then diagrams infer the packets from the calls).
    public var packets: [Packet]? = nil
}

public enum Outcome: Sendable, Hashable {
    case value(Value)
    case error(Errno)
    /// The call would wait forever (nothing is in flight that could end the wait).
    case blocked(reason: String)
    /// A timeout set with `settimeout` (or SO_RCVTIMEO) expired.
    case timedOut(seconds: Double)
    /// Python raises before any system call (`OverflowError` for port 123456789).
    case pythonError(name: String, message: String)
    /// sockstep refused to run the call (an address outside loopback).
    case refused(message: String, help: String)
    /// The step was not run because an earlier step stopped the run.
    case notRun
}

public enum Verdict: Sendable, Hashable {
    /// The step did what was expected (or, with no expectation, did not fail).
    case passed
    /// The step failed the way the file said it would.
    case expectedError
    /// The expectation did not hold.
    case failed(Mismatch)
    /// An error nobody expected: the run stops here.
    case unexpected
    /// Not run: an earlier step stopped the run.
    case skipped

    public var isSuccess: Bool { self == .passed || self == .expectedError }
}

/// Expected vs actual for a failed expectation.
public struct Mismatch: Sendable, Hashable {
    public var expected: String
    public var actual: String
    /// For bytes and strings: the offset of the first differing byte in `actual`'s repr.
    public var markerColumn: Int?
    public var message: String
}

public enum Note: Sendable, Hashable {
    /// bind to port 0: the kernel chose this port.
    case portChosen(Int)
    /// A datagram was longer than the buffer: only `kept` of `full` bytes were returned, the rest lost.
    case truncated(kept: Int, full: Int)
    /// recv returned fewer bytes than asked for.
    case shortRead(got: Int, asked: Int, stillQueued: Int)
    /// send/sendall moved only part of the data before the buffers filled.
    case partialSend(sent: Int, total: Int)
    /// The runner waited for something in flight (a handshake, bytes), with poll and a deadline.
    case waitedInFlight(milliseconds: Int, what: String)
    /// An accepted connection's listening parent.
    case acceptedFrom(String)
    /// The runner raised the socket's own timeout wait (real time spent).
    case waitedTimeout(seconds: Double)
    /// Bytes that were already in the receive queue when the peer closed.
    case peerClosed
    /// A free-form fact for the explanation.
    case text(String)
}

public struct StateChange: Sendable, Hashable {
    public var socket: String
    public var from: String?
    public var to: String
    /// The step that led there, when the run knows it (for TIME_WAIT: the close that sent the first FIN).
    public var cause: StepRef? = nil
}

/// One row of the socket table, like `ss` prints.
public struct SocketSnapshot: Sendable, Hashable {
    public var name: String
    public var fd: Int32?
    public var family: String
    public var type: String
    public var local: String?
    public var peer: String?
    /// The TCP state, or for other sockets a plain description ("bound", "connected").
    public var state: String?
    public var readable: Int?
    public var unacked: Int?
    /// Listening sockets: connections waiting to be accepted, and the queue's limit.
    public var pending: Int?
    public var backlog: Int?
    public var parent: String?
    /// "blocking", "non-blocking" or "timeout 0.5s".
    public var mode: String
    public var closed: Bool
}

/// The whole run of one document.
public struct RunResult: Sendable {
    public var document: Document
    public var events: [Event]
    public var duration: Double
    /// The run's capture (every frame, for `--pcap`), or why there is none.
    public var capture: CaptureRecord? = nil
    /// True when every step passed or failed as expected.
    public var passed: Bool { events.allSatisfy { $0.verdict.isSuccess } }
    public var failures: [Event] { events.filter { if case .failed = $0.verdict { return true }; return $0.verdict == .unexpected } }
}
