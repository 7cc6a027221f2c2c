import Foundation
import Hummingbird
import HeraldProtos

/// `/routes`: the router's routes, and (with `routes:write`) creating and editing one. A route the
/// router refuses comes back as the form with the router's own validation message.
struct RoutesPage {
    let console: Console

    struct Row {
        let id: String
        let types: String
        let sources: String
        let subjectPrefix: String
        let endpoints: String
        let enabled: Bool
        let description: String

        init(_ route: Herald_V1_Route) {
            id = route.id
            types = route.filter.types.joined(separator: ", ")
            sources = route.filter.sources.joined(separator: ", ")
            subjectPrefix = route.filter.subjectPrefix
            endpoints = route.endpointIds.joined(separator: ", ")
            enabled = route.enabled
            description = route.description_p
        }
    }

    struct List {
        let routes: [Row]
        let editable: Bool
    }

    struct Form {
        let route: Row
        let existing: Bool
        let csrf: String
    }

    static let listTemplate = """
        {{#editable}}<p><a href="/routes/new">New route</a></p>{{/editable}}
        <table>
        <thead><tr><th scope="col">Id</th><th scope="col">Types</th><th scope="col">Sources</th><th scope="col">Endpoints</th><th scope="col">Enabled</th>{{#editable}}<th scope="col">Change</th>{{/editable}}</tr></thead>
        <tbody>
        {{#routes}}<tr class="route-row" data-route="{{id}}"><td data-label="Id">{{id}}</td><td data-label="Types">{{types}}</td><td data-label="Sources">{{sources}}</td><td data-label="Endpoints">{{endpoints}}</td><td data-label="Enabled">{{#enabled}}yes{{/enabled}}{{^enabled}}no{{/enabled}}</td>{{#editable}}<td><a href="/routes/{{id}}/edit">Edit {{id}}</a></td>{{/editable}}</tr>
        {{/routes}}
        {{^routes}}<tr><td colspan="6">No routes yet.</td></tr>{{/routes}}
        </tbody>
        </table>
        """

    static let formTemplate = """
        <form method="post" action="/routes" class="card" id="route-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#route}}
        <label for="route-id">Id</label>
        <input id="route-id" name="id" value="{{id}}" required {{#existing}}readonly{{/existing}}>
        <label for="route-types">Event types (comma-separated; exact or prefix*)</label>
        <input id="route-types" name="types" value="{{types}}">
        <label for="route-sources">Sources (comma-separated)</label>
        <input id="route-sources" name="sources" value="{{sources}}">
        <label for="route-subject">Subject prefix</label>
        <input id="route-subject" name="subject_prefix" value="{{subjectPrefix}}">
        <label for="route-endpoints">Endpoint ids (comma-separated)</label>
        <input id="route-endpoints" name="endpoints" value="{{endpoints}}" required>
        <label for="route-enabled">Enabled</label>
        <input id="route-enabled" name="enabled" type="checkbox" value="on" {{#enabled}}checked{{/enabled}}>
        <label for="route-description">Description</label>
        <input id="route-description" name="description" value="{{description}}">
        {{/route}}
        <button type="submit">Save route</button>
        </form>
        """

    func register(on router: Router<BasicRequestContext>) {
        router.get("routes") { request, _ -> Response in
            await console.signedIn(request, "Routes") { session in
                let routes = try await console.clients.router.listRoutes(.init(), metadata: ServiceClients.metadata(for: session.key)).routes
                let list = List(routes: routes.sorted { $0.id < $1.id }.map(Row.init), editable: ConsoleControls(scopes: session.scopes).editRoutes)
                return console.page("Routes", "routes", list, session: session, after: request)
            }
        }
        router.get("routes/new") { request, _ -> Response in
            await console.signedIn(request, "New route") { session in
                var route = Herald_V1_Route()
                route.enabled = true
                return form("New route", Row(route), existing: false, session: session)
            }
        }
        router.get("routes/:id/edit") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await console.signedIn(request, "Edit route") { session in
                var lookup = Herald_V1_GetRouteRequest()
                lookup.id = id
                let route = try await console.clients.router.getRoute(lookup, metadata: ServiceClients.metadata(for: session.key)).route
                return form("Edit route \(id)", Row(route), existing: true, session: session)
            }
        }
        router.post("routes") { request, _ -> Response in
            await console.post(request, "Save route", write: .putRoute) { session, fields in
                let route = Self.route(from: fields)
                var put = Herald_V1_PutRouteRequest()
                put.route = route
                do {
                    _ = try await console.clients.router.putRoute(put, metadata: ServiceClients.metadata(for: session.key))
                } catch {
                    // The router's own message beside the values as typed, to correct and resend.
                    return form("Save route", Row(route), existing: false, session: session, error: Console.describe(error), status: Console.status(of: error))
                }
                return Console.redirect("/routes?notice=" + "Route \(route.id) saved.".addingPercentEncodingForQuery)
            }
        }
    }

    private func form(
        _ title: String, _ row: Row, existing: Bool, session: ConsoleSession, error: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        console.page(title, "route-form", Form(route: row, existing: existing, csrf: session.csrfToken), session: session, error: error, status: status)
    }

    static func route(from form: FormBody) -> Herald_V1_Route {
        var route = Herald_V1_Route()
        route.id = form["id"] ?? ""
        route.filter.types = form.list("types")
        route.filter.sources = form.list("sources")
        route.filter.subjectPrefix = form["subject_prefix"] ?? ""
        route.endpointIds = form.list("endpoints")
        route.enabled = form["enabled"] == "on"
        route.description_p = form["description"] ?? ""
        return route
    }
}

extension String {
    /// Safe as one value of a query string.
    var addingPercentEncodingForQuery: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
