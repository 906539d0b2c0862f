#if canImport(Glibc)
import Glibc
#endif

/// Plain POSIX threads for work that blocks (draining a child's pipes, waiting for its exit, one
/// grading worker each): Foundation's `Thread` without loading Foundation.
public enum Threads {
    private final class Body {
        let run: @Sendable () -> Void
        let name: String?
        init(_ run: @escaping @Sendable () -> Void, name: String?) { self.run = run; self.name = name }
    }

    /// Starts `body` on a new detached thread with `stackSize` bytes of stack; false if the system
    /// refused (then `body` never runs). `name` (15 bytes at most are kept) shows in `ps -L` and gdb.
    @discardableResult
    public static func start(name: String? = nil, stackSize: Int = 256 * 1024, _ body: @escaping @Sendable () -> Void) -> Bool {
        PrivateNetwork.settle()   // a thread starts in the network of the thread that starts it
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, max(stackSize, Int(PTHREAD_STACK_MIN)))
        let box = Unmanaged.passRetained(Body(body, name: name)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            if let name = body.name {
                _ = glibc_pthread_setname_np(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self))
            }
            body.run()
            return nil
        }, box)
        if rc != 0 { Unmanaged<Body>.fromOpaque(box).release() }
        return rc == 0
    }
}

/// A counting semaphore (a mutex and a condition on the monotonic clock): Dispatch's
/// `DispatchSemaphore`, for threads started with `Threads.start`.
public final class Semaphore: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var value: Int

    public init(value: Int = 0) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    public func signal() {
        pthread_mutex_lock(mutex)
        value += 1
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    public func wait() {
        pthread_mutex_lock(mutex)
        while value == 0 { pthread_cond_wait(cond, mutex) }
        value -= 1
        pthread_mutex_unlock(mutex)
    }

    /// Waits at most `seconds`; false if it was not signalled in time.
    public func wait(seconds: Double) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let whole = Int(seconds), frac = Int((seconds - Double(whole)) * 1e9)
        var deadline = timespec(tv_sec: now.tv_sec + whole, tv_nsec: now.tv_nsec + frac)
        if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while value == 0 {
            if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT { break }
        }
        guard value > 0 else { return false }
        value -= 1
        return true
    }
}
