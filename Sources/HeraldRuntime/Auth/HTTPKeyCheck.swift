import Foundation
public import Hummingbird
import HummingbirdCore
import NIOCore

/// Checks the API key of every HTTP request against an `HTTPAccessTable`: HTTP Basic (key id as
/// user, secret as password) or `Bearer`. No usable key: 401 with `WWW-Authenticate` offering both;
/// a key without the route's scope: 403 naming it. Both in the Confluent Schema Registry's error
/// shape and codes (40101, 40301), which its clients already report. An accepted request runs as
/// its key (`CallerPrincipal`, `CallerKey.id`).
public struct HTTPKeyCheck<Context: RequestContext>: RouterMiddleware {
    let table: HTTPAccessTable
    let keys: any KeyRingSource

    public init(table: HTTPAccessTable, keys: any KeyRingSource) {
        self.table = table
        self.keys = keys
    }

    static var unauthenticatedCode: Int { 40101 }
    static var forbiddenCode: Int { 40301 }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A path no route matched has no endpoint yet: its 404 says nothing a key would protect.
        guard let path = context.endpointPath else { return try await next(request, context) }
        let route = HTTPAccessTable.key(method: request.method.rawValue, path: path)
        let presented = PresentedCredential.key(inAuthorization: request.headers[.authorization])
        let decision = AccessDecision.decide(
            call: route, rule: table.rule(method: request.method.rawValue, path: path), presented: presented, ring: keys.ring)
        switch decision {
        case .open:
            return try await next(request, context)
        case .allowed(let principal, let credential):
            return try await CallerPrincipal.with(principal, credential: credential) { try await next(request, context) }
        case .unauthenticated:
            return Self.refusal(.unauthorized, code: Self.unauthenticatedCode, message: decision.refusal ?? "", challenge: true)
        case .denied, .unlisted:
            return Self.refusal(.forbidden, code: Self.forbiddenCode, message: decision.refusal ?? "")
        }
    }

    /// A refusal in Confluent's error shape; a 401 offers both schemes in one `WWW-Authenticate`
    /// (RFC 9110 allows a list of challenges).
    private static func refusal(_ status: HTTPResponse.Status, code: Int, message: String, challenge: Bool = false) -> Response {
        let body = (try? JSONSerialization.data(withJSONObject: ["error_code": code, "message": message], options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/vnd.schemaregistry.v1+json"]
        if challenge { headers[.wwwAuthenticate] = "Basic realm=\"herald\", Bearer realm=\"herald\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
