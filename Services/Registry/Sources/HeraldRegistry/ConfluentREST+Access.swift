import HeraldCore
public import HeraldRuntime

extension ConfluentREST {
    /// The scope each REST route needs: reading (lookups and compatibility checks included)
    /// `schemas:read`; registering, deleting, config and mode changes `schemas:write`. Keyed as
    /// the router matches routes, so a route added to `addRoutes` without a rule here is refused
    /// to every key.
    public static let access: HTTPAccessTable = {
        let read: [(String, String)] = [
            ("GET", "/"), ("POST", "/"), ("GET", "/contexts"), ("GET", "/schemas"), ("GET", "/subjects"),
            ("POST", "/subjects/{subject}"),
            ("GET", "/subjects/{subject}/versions"), ("GET", "/subjects/{subject}/versions/{version}"),
            ("GET", "/subjects/{subject}/versions/{version}/schema"), ("GET", "/subjects/{subject}/versions/{version}/referencedby"),
            ("GET", "/schemas/types"), ("GET", "/schemas/ids/{id}"), ("GET", "/schemas/ids/{id}/schema"),
            ("GET", "/schemas/ids/{id}/subjects"), ("GET", "/schemas/ids/{id}/versions"),
            ("GET", "/config"), ("GET", "/config/{subject}"),
            ("POST", "/compatibility/subjects/{subject}/versions"), ("POST", "/compatibility/subjects/{subject}/versions/{version}"),
            ("GET", "/mode"), ("GET", "/mode/{subject}"),
        ]
        let write: [(String, String)] = [
            ("POST", "/subjects/{subject}/versions"), ("DELETE", "/subjects/{subject}"), ("DELETE", "/subjects/{subject}/versions/{version}"),
            ("PUT", "/config"), ("DELETE", "/config"), ("PUT", "/config/{subject}"), ("DELETE", "/config/{subject}"),
            ("PUT", "/mode"), ("PUT", "/mode/{subject}"), ("DELETE", "/mode/{subject}"),
        ]
        var rules: [String: AccessRule] = [:]
        for (method, path) in read { rules[HTTPAccessTable.key(method: method, path: path)] = .requires(.schemasRead) }
        for (method, path) in write { rules[HTTPAccessTable.key(method: method, path: path)] = .requires(.schemasWrite) }
        return HTTPAccessTable(rules)
    }()
}
