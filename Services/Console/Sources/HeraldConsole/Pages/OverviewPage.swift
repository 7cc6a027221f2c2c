import Foundation
import GRPCCore
import Hummingbird
import HeraldProtos
import SwiftProtobuf

/// `/`: the ingest rate and end-to-end latency from the services' metrics; the last hour's delivery
/// outcomes and the dead letters waiting, from the delivery log. What the key may not read is left
/// out rather than shown as an error.
struct OverviewPage {
    let console: Console

    struct Outcome {
        let state: String
        let count: Int
    }

    /// A figure as the page shows it: its text, or why there is none.
    struct Figure {
        let text: String
        let available: Bool
    }

    struct View {
        let ingest: Figure
        let latency: Figure
        let outcomes: [Outcome]
        let deadLetters: String
        /// Nil when the key may not list them (a template section renders for any string, even an empty one).
        let endpoints: String?
        let routes: String?
        let deliveriesReadable: Bool
        let chart: OutcomeChart?
    }

    static let template = """
        <h2>Flow</h2>
        <dl class="card" id="figures">
        <dt>Ingest rate</dt><dd id="ingest-rate" class="{{^ingest.available}}unavailable{{/ingest.available}}">{{ingest.text}}</dd>
        <dt>End-to-end latency (task to 2xx)</dt><dd id="e2e-latency" class="{{^latency.available}}unavailable{{/latency.available}}">{{latency.text}}</dd>
        </dl>
        {{#deliveriesReadable}}
        <h2>Deliveries updated in the last hour</h2>
        {{#chart}}
        <svg class="chart" viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="chart-title">
        <title id="chart-title">Deliveries per minute by outcome over the last hour: {{total}} in all, at most {{scale}} in one minute</title>
        {{#bars}}{{#segments}}<rect class="{{outcome}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}"><title>{{minutesAgo}} min ago: {{count}} {{outcome}}</title></rect>{{/segments}}{{/bars}}
        </svg>
        <p class="legend"><span class="succeeded">■ succeeded</span><span class="retrying">■ retrying</span><span class="dead">■ dead</span> · top of the chart: {{scale}} per minute</p>
        {{/chart}}
        <table id="outcomes"><tbody>
        {{#outcomes}}<tr><th scope="row" class="state-{{state}}">{{state}}</th><td>{{count}}</td></tr>{{/outcomes}}
        </tbody></table>
        <p>Dead letters waiting: <a href="/dead-letters" id="dead-count">{{deadLetters}}</a></p>
        {{/deliveriesReadable}}
        {{#endpoints}}<p>Endpoints: <a href="/endpoints">{{endpoints}}</a></p>{{/endpoints}}
        {{#routes}}<p>Routes: <a href="/routes">{{routes}}</a></p>{{/routes}}
        """

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ -> Response in
            await console.signedIn(request, "Overview") { session in
                async let ingest = Self.ingestFigure(await console.metrics.read(console.metrics.addresses.producer, key: session.key))
                async let latency = Self.latencyFigure(await console.metrics.read(console.metrics.addresses.delivery, key: session.key))
                let metadata = ServiceClients.metadata(for: session.key)
                let controls = ConsoleControls(scopes: session.scopes)
                var outcomes: [Outcome] = []
                var deadLetters = ""
                var chart: OutcomeChart?
                if controls.showsDeliveries {
                    var recent = Herald_V1_ListDeliveriesRequest()
                    recent.since = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-3600))
                    recent.pageSize = 1000
                    let records = try await console.clients.delivery.listDeliveries(recent, metadata: metadata).deliveries
                    outcomes = DeliveriesPage.states.map { name, state in Outcome(state: name, count: records.filter { $0.state == state }.count) }
                    chart = OutcomeChart(events: records.compactMap(Self.chartEvent), end: Date(), minutes: 60)
                    var dead = Herald_V1_ListDeadLettersRequest()
                    dead.limit = 1000
                    let count = try await console.clients.delivery.listDeadLetters(dead, metadata: metadata).deliveries.count
                    deadLetters = count >= 1000 ? "1000 or more" : "\(count)"
                }
                var endpoints: String?
                if controls.showsEndpoints { endpoints = "\(try await console.clients.delivery.listEndpoints(.init(), metadata: metadata).endpoints.count)" }
                var routes: String?
                if controls.showsRoutes { routes = "\(try await console.clients.router.listRoutes(.init(), metadata: metadata).routes.count)" }
                let view = View(ingest: await ingest, latency: await latency, outcomes: outcomes, deadLetters: deadLetters, endpoints: endpoints, routes: routes, deliveriesReadable: controls.showsDeliveries, chart: chart)
                return console.page("Overview", "overview", view, session: session)
            }
        }
    }

    static func ingestFigure(_ reading: MetricsReader.Reading) -> Figure {
        guard case .read(let now, let earlier) = reading else { return unavailable(reading) }
        guard let ingest = OverviewFigures.ingest(earlier: earlier, now: now) else {
            // The producer registers the metric with its first transaction.
            return Figure(text: "no events since the producer started", available: true)
        }
        let rate = ingest.perSecond.map { String(format: "%.1f events/s, ", $0) } ?? ""
        return Figure(text: rate + count(ingest.events, "event", "events") + " \(ingest.window)", available: true)
    }

    static func latencyFigure(_ reading: MetricsReader.Reading) -> Figure {
        guard case .read(let now, let earlier) = reading else { return unavailable(reading) }
        guard let latency = OverviewFigures.latency(earlier: earlier, now: now) else {
            // The delivery service registers the histogram with its first success.
            return Figure(text: "no delivery succeeded since the delivery service started", available: true)
        }
        guard let p50 = latency.p50, let p99 = latency.p99 else {
            return Figure(text: "no delivery succeeded \(latency.window)", available: true)
        }
        return Figure(text: String(format: "p50 %.3f s, p99 %.3f s", p50, p99) + " (\(count(latency.deliveries, "delivery", "deliveries"))) \(latency.window)", available: true)
    }

    /// `1 event`, `3 events`.
    private static func count(_ value: Double, _ one: String, _ many: String) -> String {
        let whole = Int(value)
        return "\(whole) " + (whole == 1 ? one : many)
    }

    private static func unavailable(_ reading: MetricsReader.Reading) -> Figure {
        guard case .unavailable(let reason) = reading else { return Figure(text: "", available: false) }
        return Figure(text: "not available: \(reason)", available: false)
    }

    /// A record's place in the chart; pending deliveries have no outcome yet.
    static func chartEvent(_ record: Herald_V1_DeliveryRecord) -> (at: Date, outcome: OutcomeChart.Outcome)? {
        let outcome: OutcomeChart.Outcome
        switch record.state {
        case .succeeded: outcome = .succeeded
        case .retrying: outcome = .retrying
        case .dead: outcome = .dead
        default: return nil
        }
        return (record.updatedAt.date, outcome)
    }
}
