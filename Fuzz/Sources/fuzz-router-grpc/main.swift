import FuzzGRPC
import FuzzSupport
import GRPCCore
import HeraldProtos
import HeraldRouter
import HeraldRuntime
import SwiftProtobuf

/// `herald.v1.Router`'s request messages through its real handlers: up to four calls, each a
/// method selector byte and the bytes the server decodes as that method's request (two-byte
/// length, then the bytes), over routes held in memory (`MemoryRouteStore`, seeded with two
/// routes before every input). Whatever the bytes, no call traps, every refusal is a clear
/// status, and a refused call writes no route record and records nothing in the audit trail; a
/// stored route reads back as the call answered it.
let routes = MemoryRouteStore()
let audit = MemoryAuditTrail()
let baseline = seededRoutes()
let grpc = DirectGRPC(services: [RouterServer.routerService(memory: routes, audit: audit)])
let methods = Herald_V1_Router.Method.descriptors

runLibFuzzer(detectingLeaks: false) { data, count in
    var input = FuzzInput(data, count)
    routes.routes = baseline
    audit.clear()
    grpc.run(&input, among: methods, state: { StoredState(routes.routes, records: routes.writtenRecords, audit: audit.recorded) }) { method, _, responses, _ in
        guard method == Herald_V1_Router.Method.PutRoute.descriptor else { return }
        guard let response = try? Herald_V1_PutRouteResponse(serializedBytes: responses.first ?? []),
              routes.routes[response.route.id] == response.route
        else { fuzzFailure("a stored route does not read back as PutRoute answered it") }
    }
    return 0
}

/// A route by type and source to two endpoints, and a disabled one by subject and extension.
func seededRoutes() -> [String: Herald_V1_Route] {
    let orders = Herald_V1_Route.with {
        $0.id = "orders"
        $0.filter.types = ["com.example.order.*"]
        $0.filter.sources = ["/shop/demo"]
        $0.endpointIds = ["billing", "audit"]
        $0.enabled = true
        $0.description_p = "orders to billing and audit"
    }
    let eu = Herald_V1_Route.with {
        $0.id = "eu-invoices"
        $0.filter.subjectPrefix = "invoices/"
        $0.filter.extensions = ["region": "eu"]
        $0.endpointIds = ["eu-ledger"]
    }
    return [orders.id: orders, eu.id: eu]
}
