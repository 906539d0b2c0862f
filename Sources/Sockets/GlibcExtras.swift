#if canImport(Glibc)
import Glibc
#endif

// glibc functions that Swift's Glibc module map does not show (GNU extensions, declared only with
// _GNU_SOURCE). They are declared here by their C names and linked directly, so that the released
// binary can be linked statically (`-static-executable`), where looking them up by name with
// dlsym(dlopen(nil)) finds nothing. glibc has had each of them for years (addchdir_np since 2.29).

/// unshare(2): enter new namespaces (`PrivateNetwork`).
@_extern(c, "unshare")
func glibc_unshare(_ flags: Int32) -> Int32

/// setns(2): the main thread enters the network namespace its helper made (`PrivateNetwork`).
@_extern(c, "setns")
func glibc_setns(_ fd: Int32, _ nstype: Int32) -> Int32

/// sched_getcpu(3), sched_getaffinity(2), pthread_attr_setaffinity_np(3): the helper that makes
/// the namespace runs on another CPU than the main thread (`PrivateNetwork.startHelper`).
@_extern(c, "sched_getcpu")
func glibc_sched_getcpu() -> Int32

@_extern(c, "sched_getaffinity")
func glibc_sched_getaffinity(_ pid: pid_t, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32

@_extern(c, "pthread_attr_setaffinity_np")
func glibc_pthread_attr_setaffinity_np(_ attr: UnsafeMutablePointer<pthread_attr_t>, _ size: Int, _ mask: UnsafeRawPointer) -> Int32

/// capget(2): whether root has CAP_SYS_ADMIN (`PrivateNetwork.Rights`).
@_extern(c, "capget")
func glibc_capget(_ header: UnsafeMutableRawPointer, _ data: UnsafeMutableRawPointer) -> Int32

/// capset(2): an unprivileged user's capabilities in the user namespace, put away (`PrivateNetwork.Rights`).
@_extern(c, "capset")
func glibc_capset(_ header: UnsafeMutableRawPointer, _ data: UnsafeMutableRawPointer) -> Int32

/// accept4(2): accept with SOCK_CLOEXEC set atomically (`SocketCalls.accept`).
@_extern(c, "accept4")
func glibc_accept4(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32

/// pthread_setname_np(3): a thread's name in `ps -L` and gdb (`Threads.start`).
@_extern(c, "pthread_setname_np")
func glibc_pthread_setname_np(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32

/// posix_spawn_file_actions_addchdir_np(3): the child's working directory (`Processes.spawn`).
@_extern(c, "posix_spawn_file_actions_addchdir_np")
func glibc_posix_spawn_file_actions_addchdir_np(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
