import FuzzGRPC
import FuzzRegistry
import FuzzSupport
import GRPCCore
import HeraldProtos
import HeraldRegistry

/// `herald.v1.Registry`'s request messages through its real handlers: up to four calls, each a
/// method selector byte and the bytes the server decodes as that method's request (two-byte
/// length, then the bytes), over a registry whose log is held in memory. Whatever the bytes, no call traps, every
/// refusal is a clear status (`InProcessGRPC.isClear`), and a refused call appends nothing to the
/// log and records nothing in the audit trail.
let fuzzRegistry = FuzzRegistry()
let grpc = InProcessGRPC(services: [fuzzRegistry.registry.grpcService])
let methods = Herald_V1_Registry.Method.descriptors

runLibFuzzer(detectingLeaks: false) { data, count in
    var input = FuzzInput(data, count)
    fuzzRegistry.reset()
    var calls = 0
    while !input.bytes.isEmpty, calls < 4 {
        calls += 1
        let method = methods[Int(input.byte()) % methods.count]
        let message = Array(input.sized())
        let written = fuzzRegistry.written
        let result = blocking { await grpc.call(method, message: message) }
        if case .failure(let error) = result {
            guard InProcessGRPC.isClear(error) else { fuzzFailure("\(method) answered \(error)") }
            guard fuzzRegistry.written == written else { fuzzFailure("a refused \(method) changed the registry: \(error)") }
        }
    }
    return 0
}
