public import HeraldCore

/// What a signed-in key may change from the console, decided from its scopes alone. Pages show a
/// write control only when its flag is set, and every write handler asks `permits` again before it
/// calls a service, so a forged form post is refused here as well as by the service.
public struct ConsoleControls: Sendable, Equatable {
    /// A change the console can make, each needing one scope of the services' access table.
    public enum Write: String, Sendable, CaseIterable {
        case putRoute, putEndpoint, sendTestEvent, redrive

        public var scope: Scope {
            switch self {
            case .putRoute: .routesWrite
            case .putEndpoint, .sendTestEvent: .endpointsWrite
            case .redrive: .deliveriesRedrive
            }
        }
    }

    public let scopes: Set<Scope>
    // Stored, not computed, so templates (which read stored properties) can test them.
    public let editRoutes: Bool
    public let editEndpoints: Bool
    public let redrive: Bool
    /// Whether the navigation links to a page: a page whose reads the key lacks would only show a refusal.
    public let showsRoutes: Bool
    public let showsEndpoints: Bool
    public let showsDeliveries: Bool
    public let showsSchemas: Bool

    public init(scopes: Set<Scope>) {
        self.scopes = scopes
        editRoutes = scopes.contains(Write.putRoute.scope)
        editEndpoints = scopes.contains(Write.putEndpoint.scope)
        redrive = scopes.contains(Write.redrive.scope)
        showsRoutes = scopes.contains(.routesRead)
        showsEndpoints = scopes.contains(.endpointsRead)
        showsDeliveries = scopes.contains(.deliveriesRead)
        showsSchemas = scopes.contains(.schemasRead)
    }

    public func permits(_ write: Write) -> Bool { scopes.contains(write.scope) }
}
