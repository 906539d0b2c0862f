import SockstepCLI

/// Begins the private network before main, from the process's first constructor (an
/// `.init_array` entry). In the static release binary that is 0.1-0.3 ms earlier than main: the
/// Swift runtime's own constructors run after this one (they read /proc/self/maps for the
/// arguments, seed hashing, read the backtracer's settings), and main then reads its arguments.
/// The helper thread that makes the namespace works on another CPU meanwhile, so the namespace is
/// ready by the time the lesson is read. Nothing here may hash: the runtime has not seeded it yet
/// (see `PrivateNetwork.Refusal`).
func beginPrivateNetworkBeforeMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    guard let argv else { return }
    CLI.enterPrivateNetwork(argc, argv)
}

/// glibc calls each `.init_array` entry with argc, argv and the environment, before main, in a
/// static executable and a dynamic one alike.
@section(".init_array") @used
let beginPrivateNetworkEntry: @convention(c) (Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                              UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Void = beginPrivateNetworkBeforeMain
