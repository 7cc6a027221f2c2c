import Foundation
import Hummingbird
import HeraldProtos
import SwiftProtobuf

/// `/deliveries`: the delivery log searched by event (source and id) or by endpoint, state, type
/// and time; `/deliveries/<id>`: one delivery with every attempt and the response snippets.
struct DeliveriesPage {
    let console: Console

    struct StateOption {
        let value: String
        let selected: Bool
    }

    struct Search {
        let source: String
        let eventID: String
        let endpoint: String
        let type: String
        let since: String
        let until: String
        let states: [StateOption]
        let deliveries: [Display.Delivery]
        let searched: Bool
        let nextPage: String?
    }

    struct Attempt {
        let at: String
        let state: String
        let attempts: Int32
        let status: String
        let duration: String
        let error: String
        let response: String
        let next: String

        init(_ attempt: Herald_V1_DeliveryAttempt) {
            at = Display.time(attempt.attemptedAt)
            state = Display.state(attempt.state)
            attempts = attempt.attempts
            status = attempt.statusCode == 0 ? "" : "\(attempt.statusCode)"
            duration = attempt.hasDuration ? Display.seconds(attempt.duration) : ""
            error = attempt.error
            response = String(decoding: attempt.responseBody, as: UTF8.self)
            next = attempt.hasNextAttemptAt ? Display.time(attempt.nextAttemptAt) : ""
        }
    }

    struct Detail {
        let delivery: Display.Delivery
        let attempts: [Attempt]
    }

    static let states: [(String, Herald_V1_DeliveryState)] = [("PENDING", .pending), ("SUCCEEDED", .succeeded), ("RETRYING", .retrying), ("DEAD", .dead)]

    func register(on router: Router<BasicRequestContext>) {
        router.get("deliveries") { request, _ -> Response in
            let query = request.uri.queryParameters
            return await console.signedIn(request, "Deliveries") { session in
                let metadata = ServiceClients.metadata(for: session.key)
                let field = { (name: String) in query.get(name).map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
                let state = field("state")
                var found: [Herald_V1_DeliveryRecord] = []
                var nextPage = ""
                var searched = false
                if !field("source").isEmpty || !field("id").isEmpty {
                    var lookup = Herald_V1_GetDeliveriesRequest()
                    lookup.eventSource = field("source")
                    lookup.eventID = field("id")
                    found = try await console.clients.delivery.getDeliveries(lookup, metadata: metadata).deliveries
                    searched = true
                } else {
                    var list = Herald_V1_ListDeliveriesRequest()
                    list.endpointID = field("endpoint")
                    list.eventType = field("type")
                    list.state = Self.states.first { $0.0 == state }?.1 ?? .unspecified
                    if let since = Self.time(field("since")) { list.since = Google_Protobuf_Timestamp(date: since) }
                    if let until = Self.time(field("until")) { list.until = Google_Protobuf_Timestamp(date: until) }
                    list.pageSize = 50
                    list.pageToken = field("page")
                    let page = try await console.clients.delivery.listDeliveries(list, metadata: metadata)
                    found = page.deliveries
                    nextPage = page.nextPageToken
                    searched = true
                }
                let search = Search(
                    source: field("source"), eventID: field("id"), endpoint: field("endpoint"), type: field("type"),
                    since: field("since"), until: field("until"),
                    states: Self.states.map { StateOption(value: $0.0, selected: $0.0 == state) },
                    deliveries: found.map(Display.Delivery.init), searched: searched,
                    nextPage: nextPage.isEmpty ? nil : Self.nextPageQuery(query: field, token: nextPage))
                return console.page("Deliveries", "deliveries", search, session: session)
            }
        }
        router.get("deliveries/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await console.signedIn(request, "Delivery") { session in
                var lookup = Herald_V1_GetDeliveryRequest()
                lookup.deliveryID = id
                let answer = try await console.clients.delivery.getDelivery(lookup, metadata: ServiceClients.metadata(for: session.key))
                let detail = Detail(delivery: Display.Delivery(answer.delivery), attempts: answer.attempts.map(Attempt.init))
                return console.page("Delivery \(id)", "delivery", detail, session: session)
            }
        }
    }

    /// A `datetime-local` value (`2026-01-31T12:00`, read as UTC) or full ISO 8601.
    static func time(_ text: String) -> Date? {
        guard !text.isEmpty else { return nil }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    private static func nextPageQuery(query field: (String) -> String, token: String) -> String {
        ["endpoint", "type", "state", "since", "until"].map { "\($0)=\(field($0).addingPercentEncodingForQuery)" }.joined(separator: "&")
            + "&page=\(token.addingPercentEncodingForQuery)"
    }

    static let searchTemplate = """
        <form method="get" action="/deliveries" class="card" id="search-event">
        <label for="search-source">Event source</label>
        <input id="search-source" name="source" value="{{source}}">
        <label for="search-id">Event id</label>
        <input id="search-id" name="id" value="{{eventID}}">
        <button type="submit">Find the event's deliveries</button>
        </form>
        <form method="get" action="/deliveries" class="card" id="search-list">
        <label for="search-endpoint">Endpoint</label>
        <input id="search-endpoint" name="endpoint" value="{{endpoint}}">
        <label for="search-state">State</label>
        <select id="search-state" name="state"><option value="">any</option>{{#states}}<option {{#selected}}selected{{/selected}}>{{value}}</option>{{/states}}</select>
        <label for="search-type">Event type</label>
        <input id="search-type" name="type" value="{{type}}">
        <label for="search-since">Updated since (UTC)</label>
        <input id="search-since" name="since" type="datetime-local" value="{{since}}">
        <label for="search-until">Updated before (UTC)</label>
        <input id="search-until" name="until" type="datetime-local" value="{{until}}">
        <button type="submit">Search</button>
        </form>
        {{#searched}}
        <table id="deliveries">
        <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead>
        <tbody>
        {{#deliveries}}<tr class="delivery-row"><td data-label="Event"><a href="/deliveries/{{id}}">{{event}}</a></td><td data-label="Type">{{type}}</td><td data-label="Endpoint">{{endpoint}}</td><td data-label="State" class="state-{{state}}">{{state}}</td><td data-label="Attempts">{{attempts}}</td><td data-label="Status">{{status}}</td><td data-label="Updated">{{updated}}</td></tr>
        {{/deliveries}}
        {{^deliveries}}<tr><td colspan="7">No deliveries match.</td></tr>{{/deliveries}}
        </tbody>
        </table>
        {{#nextPage}}<p><a href="/deliveries?{{nextPage}}">Older deliveries</a></p>{{/nextPage}}
        {{/searched}}
        """

    static let detailTemplate = """
        {{#delivery}}
        <dl class="card">
        <dt>Event</dt><dd>{{event}} ({{type}})</dd>
        <dt>Endpoint</dt><dd><a href="/endpoints/{{endpoint}}">{{endpoint}}</a></dd>
        <dt>Route</dt><dd>{{route}}</dd>
        <dt>State</dt><dd id="delivery-state" class="state-{{state}}">{{state}}</dd>
        <dt>Attempts</dt><dd>{{attempts}}</dd>
        {{#error}}<dt>Last error</dt><dd>{{error}}</dd>{{/error}}
        {{#next}}<dt>Next attempt</dt><dd>{{next}}</dd>{{/next}}
        </dl>
        {{/delivery}}
        <h2>Attempts</h2>
        <table id="attempts">
        <thead><tr><th scope="col">At</th><th scope="col">Outcome</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response</th></tr></thead>
        <tbody>
        {{#attempts}}<tr><td data-label="At">{{at}}</td><td data-label="Outcome" class="state-{{state}}">{{state}} (attempt {{attempts}})</td><td data-label="Status">{{status}}</td><td data-label="Duration">{{duration}}</td><td data-label="Error">{{error}}</td><td data-label="Response"><pre>{{response}}</pre></td></tr>
        {{/attempts}}
        {{^attempts}}<tr><td colspan="6">No attempt recorded yet.</td></tr>{{/attempts}}
        </tbody>
        </table>
        """
}
