public import FuzzSupport
public import GRPCCore

extension FuzzInput {
    /// The next call of a service's request-handling target: a method selector byte (modulo the
    /// number of `methods`), then the serialized request (two-byte length, then the bytes); for a
    /// method named in `streaming`, a count byte first and 1–4 requests.
    public mutating func call(among methods: [MethodDescriptor], streaming: Set<String> = []) -> (method: MethodDescriptor, requests: [[UInt8]]) {
        let method = methods[Int(byte()) % methods.count]
        let count = streaming.contains(method.method) ? Int(byte()) % 4 + 1 : 1
        return (method, (0..<count).map { _ in Array(sized()) })
    }
}

extension DirectGRPC {
    /// Runs the calls of `input` (up to four, as `FuzzInput.call(among:streaming:)` reads them):
    /// a refused call must end with a clear status and leave `state()` as it was (a stream refused
    /// part way keeps what it did for the requests before); `accepted` checks an accepted call's
    /// responses, given its requests and the state before it. All in one task, so an input costs
    /// one hop between the fuzzer's thread and the concurrency pool.
    public func run<State: Equatable>(
        _ input: inout FuzzInput, among methods: [MethodDescriptor], streaming: Set<String> = [],
        state: @escaping @Sendable () -> State,
        accepted: @escaping @Sendable (_ method: MethodDescriptor, _ requests: [[UInt8]], _ responses: [[UInt8]], _ before: State) -> Void
    ) {
        var calls: [(method: MethodDescriptor, requests: [[UInt8]])] = []
        while !input.bytes.isEmpty, calls.count < 4 { calls.append(input.call(among: methods, streaming: streaming)) }
        let planned = calls
        blocking {
            for (method, requests) in planned {
                let before = state()
                switch await self.call(method, messages: requests) {
                case .failure(let error):
                    guard InProcessGRPC.isClear(error) else { fuzzFailure("\(method) answered \(error)") }
                    guard streaming.contains(method.method) || state() == before else {
                        fuzzFailure("a refused \(method) changed the service's state: \(error)")
                    }
                case .success(let responses):
                    accepted(method, requests, responses, before)
                }
            }
        }
    }
}

/// What a refused call must leave as it was: a service's stored contents, the records it wrote
/// and its audit trail.
public struct StoredState<Contents: Equatable>: Equatable {
    let contents: Contents
    let records: Int
    let audit: [String]

    public init(_ contents: Contents, records: Int, audit: [String]) {
        self.contents = contents
        self.records = records
        self.audit = audit
    }
}
