import Foundation
import HeraldCore
import HeraldProtos
import Mustache
import Testing

@testable import HeraldConsole

@Suite("Console pages as rendered")
struct TemplateTests {
    func routes(editable: Bool) throws -> String {
        var route = Herald_V1_Route()
        route.id = "orders"
        route.endpointIds = ["<script>alert(1)</script>"]
        route.enabled = true
        let list = RoutesPage.List(routes: [RoutesPage.Row(route)], editable: editable)
        return try ConsoleServer.templates().render(list, withTemplate: "routes") ?? ""
    }

    @Test func writeControlsAppearOnlyForAKeyThatMayWrite() throws {
        #expect(try routes(editable: true).contains("href=\"/routes/orders/edit\""))
        #expect(try routes(editable: true).contains("href=\"/routes/new\""))
        #expect(!(try routes(editable: false).contains("/edit")))
        #expect(!(try routes(editable: false).contains("/routes/new")))
    }

    @Test func valuesFromTheServicesAreEscaped() throws {
        let page = try routes(editable: false)
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;"))
    }

    @Test func emptyValuesLeaveTheirPartOfThePageOut() throws {
        var record = Herald_V1_DeliveryRecord()
        record.deliveryID = "d1"
        record.state = .succeeded
        let detail = DeliveriesPage.Detail(delivery: Display.Delivery(record), attempts: [])
        let page = try ConsoleServer.templates().render(detail, withTemplate: "delivery") ?? ""
        #expect(page.contains("SUCCEEDED"))
        #expect(!page.contains("Last error"))
        #expect(!page.contains("Next attempt"))
        record.lastError = "HTTP 500"
        let failed = try ConsoleServer.templates().render(
            DeliveriesPage.Detail(delivery: Display.Delivery(record), attempts: []), withTemplate: "delivery") ?? ""
        #expect(failed.contains("Last error</dt><dd>HTTP 500"))
    }

    func endpoint(testable: Bool, answer: Herald_V1_SendTestEventResponse?, steps: [LatencyChart.Step] = []) throws -> String {
        var endpoint = Herald_V1_Endpoint()
        endpoint.id = "orders-hook"
        endpoint.enabled = true
        let detail = EndpointsPage.Detail(
            endpoint: EndpointsPage.Row(endpoint), health: EndpointsPage.Health(Herald_V1_GetEndpointHealthResponse()),
            latency: LatencyChart(steps: steps), stepLabel: "1 hour in 60 steps", windows: [], editable: testable, testable: testable,
            testAnswer: answer.map(EndpointsPage.TestAnswer.init), csrf: "c")
        return try ConsoleServer.templates().render(detail, withTemplate: "endpoint") ?? ""
    }

    @Test func theTestEventButtonAndItsAnswerShowOnTheEndpointPage() throws {
        #expect(try endpoint(testable: true, answer: nil).contains("action=\"/endpoints/orders-hook/test\""))
        #expect(!(try endpoint(testable: false, answer: nil).contains("/test\"")))
        #expect(!(try endpoint(testable: true, answer: nil).contains("id=\"test-answer\"")))
        var answer = Herald_V1_SendTestEventResponse()
        answer.deliveryID = "test_1"
        answer.statusCode = 503
        answer.error = "HTTP 503: <b>down</b>"
        answer.responseBody = Data("<b>down</b>".utf8)
        let page = try endpoint(testable: true, answer: answer)
        #expect(page.contains("Test event test_1: not accepted") && page.contains("HTTP 503"))
        #expect(!page.contains("<b>") && page.contains("&lt;b&gt;down&lt;/b&gt;"))
    }

    @Test func theLatencyChartShowsOnlyWithRequests() throws {
        #expect(!(try endpoint(testable: false, answer: nil).contains("latency-chart")))
        let page = try endpoint(testable: false, answer: nil, steps: [.init(p50: 0.1, p99: 0.3), .init(p50: nil, p99: nil)])
        #expect(page.contains("id=\"latency-chart\"") && page.contains("<polyline class=\"p99\""))
    }

    @Test func theNavigationFollowsTheKeysReadScopes() throws {
        func frame(_ scopes: Set<Scope>?) throws -> String {
            let frame = Console.Frame(
                title: "t", signedIn: scopes != nil, controls: ConsoleControls(scopes: scopes ?? []), csrf: "c", keyID: "k",
                notice: nil, error: nil, body: "")
            return try ConsoleServer.templates().render(frame, withTemplate: "layout") ?? ""
        }
        let routesOnly = try frame([.routesRead])
        #expect(routesOnly.contains("href=\"/routes\""))
        #expect(!routesOnly.contains("href=\"/dead-letters\""))
        #expect(try frame([.deliveriesRead]).contains("href=\"/dead-letters\""))
        let signedOut = try frame(nil)
        #expect(!signedOut.contains("<nav"))
        #expect(!signedOut.contains("Sign out"))
    }

    @Test func everyFormControlHasALabel() throws {
        let templates = [LayoutTemplates.signIn, RoutesPage.formTemplate, EndpointTemplates.list, EndpointTemplates.detail,
            DeliveriesPage.searchTemplate, DeadLettersPage.template, TailPage.template]
        for template in templates {
            for id in Self.controlIDs(template) {
                #expect(template.contains("<label for=\"\(id)\""), "control \(id) has no label")
            }
            #expect(Self.controlCount(template) == Self.controlIDs(template).count, "a control without an id cannot have a label")
        }
    }

    /// Ids of the visible controls (inputs other than hidden ones, selects, textareas).
    static func controlIDs(_ template: String) -> [String] {
        controls(template).compactMap { tag in
            guard let range = tag.range(of: "id=\"") else { return nil }
            return String(tag[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    static func controlCount(_ template: String) -> Int { controls(template).count }

    static func controls(_ template: String) -> [Substring] {
        template.split(separator: "<").filter { tag in
            (tag.hasPrefix("input") && !tag.contains("type=\"hidden\"")) || tag.hasPrefix("select") || tag.hasPrefix("textarea")
        }
    }
}
