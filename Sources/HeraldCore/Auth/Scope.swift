/// What an API key may do. Each RPC and REST route requires exactly one scope; a key holds a set.
public enum Scope: String, CaseIterable, Codable, Hashable, Sendable, Comparable {
    case eventsPublish = "events:publish"
    case schemasRead = "schemas:read"
    case schemasWrite = "schemas:write"
    case routesRead = "routes:read"
    case routesWrite = "routes:write"
    case endpointsRead = "endpoints:read"
    case endpointsWrite = "endpoints:write"
    case deliveriesRead = "deliveries:read"
    case deliveriesRedrive = "deliveries:redrive"
    case keysAdmin = "keys:admin"
    case metricsRead = "metrics:read"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a scope name, with the list of valid names in the error.
    public init(parsing text: String) throws(APIKeyError) {
        guard let scope = Scope(rawValue: text) else { throw .unknownScope(text) }
        self = scope
    }
}
