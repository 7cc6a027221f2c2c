import GRPCCore
import HeraldProtos

/// Asks the registry what a key is (`herald.v1.Keys/WhoAmI`, with that key), for `SignInDecision`.
struct KeyIdentity {
    let clients: ServiceClients

    func answer(key: String) async -> SignInDecision.Answer {
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        do {
            let response = try await clients.keys.whoAmI(.init(), metadata: ServiceClients.metadata(for: key), options: options)
            return .scopes(response.info.scopes)
        } catch let error as RPCError {
            return .failed(error.code)
        } catch {
            return .failed(.unknown)
        }
    }
}
