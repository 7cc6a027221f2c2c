import Foundation
import GRPCCore
import Hummingbird
import HeraldProtos
import SwiftProtobuf

/// `/`: the last hour's delivery outcomes and the dead letters waiting, from the delivery log.
/// What the key may not read is left out rather than shown as an error.
struct OverviewPage {
    let console: Console

    struct Outcome {
        let state: String
        let count: Int
    }

    struct View {
        let outcomes: [Outcome]
        let deadLetters: String
        /// Nil when the key may not list them (a template section renders for any string, even an empty one).
        let endpoints: String?
        let routes: String?
        let deliveriesReadable: Bool
        let chart: OutcomeChart?
    }

    static let template = """
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
                let view = View(outcomes: outcomes, deadLetters: deadLetters, endpoints: endpoints, routes: routes, deliveriesReadable: controls.showsDeliveries, chart: chart)
                return console.page("Overview", "overview", view, session: session)
            }
        }
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
