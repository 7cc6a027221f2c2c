import Foundation
import Hummingbird
import HeraldProtos

/// `/dead-letters`: deliveries that ran out of attempts, filtered by endpoint; with
/// `deliveries:redrive`, the selected ones (or every one the filter shows) sent again.
struct DeadLettersPage {
    let console: Console

    struct List {
        let endpoint: String
        /// The endpoint filtered by, nil when none (a template section renders for any string, even an empty one).
        let filtered: String?
        let deliveries: [Display.Delivery]
        let redrive: Bool
        let csrf: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("dead-letters") { request, _ -> Response in
            let endpoint = request.uri.queryParameters.get("endpoint") ?? ""
            return await console.signedIn(request, "Dead letters") { session in
                var query = Herald_V1_ListDeadLettersRequest()
                query.endpointID = endpoint
                query.limit = 200
                let dead = try await console.clients.delivery.listDeadLetters(query, metadata: ServiceClients.metadata(for: session.key)).deliveries
                let list = List(endpoint: endpoint, filtered: endpoint.isEmpty ? nil : endpoint, deliveries: dead.map(Display.Delivery.init),
                    redrive: ConsoleControls(scopes: session.scopes).redrive, csrf: session.csrfToken)
                return console.page("Dead letters", "dead-letters", list, session: session, after: request)
            }
        }
        router.post("dead-letters/redrive") { request, _ -> Response in
            await console.post(request, "Redrive", write: .redrive) { session, form in
                var redrive = Herald_V1_RedriveRequest()
                let endpoint = form["endpoint"] ?? ""
                if form["scope"] == "all" {
                    guard !endpoint.isEmpty else {
                        return Console.redirect("/dead-letters?error=" + "Filter by an endpoint first to redrive all its dead letters.".addingPercentEncodingForQuery)
                    }
                    redrive.endpointID = endpoint
                } else {
                    redrive.deliveryIds = form.all("delivery")
                    guard !redrive.deliveryIds.isEmpty else {
                        return Console.redirect("/dead-letters?endpoint=\(endpoint.addingPercentEncodingForQuery)&error="
                            + "Select at least one dead letter.".addingPercentEncodingForQuery)
                    }
                }
                let back = "/dead-letters?endpoint=\(endpoint.addingPercentEncodingForQuery)"
                do {
                    let count = try await console.clients.delivery.redrive(redrive, metadata: ServiceClients.metadata(for: session.key)).redriven
                    return Console.redirect(back + "&notice=" + "Redrove \(count) dead letter\(count == 1 ? "" : "s").".addingPercentEncodingForQuery)
                } catch {
                    return Console.redirect(back + "&error=" + Console.describe(error).addingPercentEncodingForQuery)
                }
            }
        }
    }

    static let template = """
        <form method="get" action="/dead-letters" class="card">
        <label for="dead-endpoint">Endpoint</label>
        <input id="dead-endpoint" name="endpoint" value="{{endpoint}}">
        <button type="submit">Filter</button>
        </form>
        <form method="post" action="/dead-letters/redrive" id="redrive-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="endpoint" value="{{endpoint}}">
        <table id="dead-letters">
        <thead><tr>{{#redrive}}<th scope="col">Select</th>{{/redrive}}<th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Attempts</th><th scope="col">Last status</th><th scope="col">Last error</th><th scope="col">Updated</th></tr></thead>
        <tbody>
        {{#deliveries}}<tr class="dead-row">{{#redrive}}<td><input type="checkbox" name="delivery" value="{{id}}" id="select-{{id}}"><label for="select-{{id}}">Select {{event}}</label></td>{{/redrive}}<td data-label="Event"><a href="/deliveries/{{id}}">{{event}}</a></td><td data-label="Endpoint">{{endpoint}}</td><td data-label="Attempts">{{attempts}}</td><td data-label="Last status">{{status}}</td><td data-label="Last error">{{error}}</td><td data-label="Updated">{{updated}}</td></tr>
        {{/deliveries}}
        {{^deliveries}}<tr><td colspan="7">No dead letters.</td></tr>{{/deliveries}}
        </tbody>
        </table>
        {{#redrive}}
        <p>
        <button type="submit" name="scope" value="selected" id="redrive-selected">Redrive selected</button>
        {{#filtered}}<button type="submit" name="scope" value="all">Redrive every dead letter of {{endpoint}}</button>{{/filtered}}
        </p>
        {{/redrive}}
        </form>
        """
}
