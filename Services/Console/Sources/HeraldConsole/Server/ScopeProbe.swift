import GRPCCore
import HeraldCore
import HeraldProtos

/// Asks the services, with the key being signed in, one question per scope (see `SignInDecision`).
struct ScopeProbe {
    let clients: ServiceClients

    func outcomes(key: String) async -> [Scope: RPCError.Code?] {
        let metadata = ServiceClients.metadata(for: key)
        let options = {
            var options = CallOptions.defaults
            options.timeout = .seconds(10)
            return options
        }()
        let probes: [(Scope, @Sendable () async throws -> Void)] = [
            (.routesRead, { _ = try await clients.router.listRoutes(.init(), metadata: metadata, options: options) }),
            (.routesWrite, { _ = try await clients.router.putRoute(.init(), metadata: metadata, options: options) }),
            (.endpointsRead, { _ = try await clients.delivery.listEndpoints(.init(), metadata: metadata, options: options) }),
            (.endpointsWrite, { _ = try await clients.delivery.putEndpoint(.init(), metadata: metadata, options: options) }),
            (.deliveriesRead, {
                var request = Herald_V1_ListDeadLettersRequest()
                request.limit = 1
                _ = try await clients.delivery.listDeadLetters(request, metadata: metadata, options: options)
            }),
            (.deliveriesRedrive, { _ = try await clients.delivery.redrive(.init(), metadata: metadata, options: options) }),
            (.schemasRead, { _ = try await clients.registry.listSubjects(.init(), metadata: metadata, options: options) }),
        ]
        return await withTaskGroup(of: (Scope, RPCError.Code?).self) { group in
            for (scope, probe) in probes {
                group.addTask {
                    do {
                        try await probe()
                        return (scope, nil)
                    } catch let error as RPCError {
                        return (scope, error.code)
                    } catch {
                        return (scope, .unknown)
                    }
                }
            }
            var outcomes: [Scope: RPCError.Code?] = [:]
            // updateValue, not a subscript: assigning nil through the subscript would drop the scope.
            for await (scope, code) in group { outcomes.updateValue(code, forKey: scope) }
            return outcomes
        }
    }
}
