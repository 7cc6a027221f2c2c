import Foundation
import Hummingbird
import HeraldProtos
import SwiftProtobuf

/// `/endpoints`: the delivery service's endpoints; one endpoint's health over a chosen window and
/// circuit state; and (with `endpoints:write`) creating one, disabling or enabling it and rotating
/// its secret — each a read-modify-write through `PutEndpoint`, which audits it under the user's key —
/// and sending it a test event (`SendTestEvent`, audited too), whose answer the page shows.
struct EndpointsPage {
    let console: Console

    struct Row {
        let id: String
        let url: String
        let enabled: Bool
        let maxAttempts: Int32
        // Optional, not empty: a template section renders for any string, even an empty one.
        let description: String?
        let previousSecretUntil: String?

        init(_ endpoint: Herald_V1_Endpoint) {
            id = endpoint.id
            url = endpoint.url
            enabled = endpoint.enabled
            maxAttempts = endpoint.maxAttempts
            description = endpoint.description_p.isEmpty ? nil : endpoint.description_p
            previousSecretUntil = endpoint.hasPreviousSecretExpiresAt ? Display.time(endpoint.previousSecretExpiresAt) : nil
        }
    }

    struct List {
        let endpoints: [Row]
        let editable: Bool
        let csrf: String
    }

    struct Health {
        let attempts: Int64
        let succeeded: Int64
        let successRate: String
        let p50: String
        let p99: String
        let lastError: String
        let lastErrorAt: String
        let circuit: String

        init(_ health: Herald_V1_GetEndpointHealthResponse) {
            attempts = health.attempts
            succeeded = health.succeeded
            successRate = String(format: "%.1f %%", health.successRate * 100)
            p50 = Display.seconds(health.p50Duration)
            p99 = Display.seconds(health.p99Duration)
            lastError = health.lastError
            lastErrorAt = health.hasLastErrorAt ? Display.time(health.lastErrorAt) : ""
            circuit = switch health.circuit {
            case .open: "open (sending paused)"
            case .halfOpen: "half-open (probing)"
            default: "closed"
            }
        }
    }

    struct Window {
        let seconds: Int
        let label: String
        let selected: Bool
    }

    struct Detail {
        let endpoint: Row
        let health: Health
        /// Nil when no request was made in the window.
        let latency: LatencyChart?
        let stepLabel: String
        let windows: [Window]
        let editable: Bool
        /// Whether the *Send a test event* button shows: the scope, and an enabled endpoint.
        let testable: Bool
        let testAnswer: TestAnswer?
        let csrf: String
    }

    /// What a `SendTestEvent` answered, as the endpoint page shows it.
    struct TestAnswer {
        let id: String
        let succeeded: Bool
        let status: String
        let duration: String?
        let error: String?
        let body: String?

        init(_ answer: Herald_V1_SendTestEventResponse) {
            id = answer.deliveryID
            succeeded = answer.succeeded
            status = answer.statusCode == 0 ? "no answer" : "HTTP \(answer.statusCode)"
            duration = answer.hasDuration ? Display.seconds(answer.duration) : nil
            error = answer.error.isEmpty ? nil : answer.error
            body = answer.responseBody.isEmpty ? nil : String(decoding: answer.responseBody, as: UTF8.self)
        }
    }

    static let chartSteps = 60

    static func latencyChart(_ steps: [Herald_V1_HealthStep]) -> LatencyChart? {
        func seconds(_ duration: Google_Protobuf_Duration) -> Double { Double(duration.seconds) + Double(duration.nanos) / 1e9 }
        return LatencyChart(steps: steps.map {
            LatencyChart.Step(p50: $0.hasP50Duration ? seconds($0.p50Duration) : nil, p99: $0.hasP99Duration ? seconds($0.p99Duration) : nil)
        })
    }

    static let windows = [(300, "5 minutes"), (3600, "1 hour"), (86400, "1 day"), (604_800, "7 days")]

    func register(on router: Router<BasicRequestContext>) {
        router.get("endpoints") { request, _ -> Response in
            await console.signedIn(request, "Endpoints") { session in
                let endpoints = try await console.clients.delivery.listEndpoints(.init(), metadata: ServiceClients.metadata(for: session.key)).endpoints
                let list = List(endpoints: endpoints.sorted { $0.id < $1.id }.map(Row.init), editable: ConsoleControls(scopes: session.scopes).editEndpoints,
                    csrf: session.csrfToken)
                return console.page("Endpoints", "endpoints", list, session: session, after: request)
            }
        }
        router.get("endpoints/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await console.signedIn(request, "Endpoint \(id)") { session in
                try await detail(id, request: request, session: session, testAnswer: nil)
            }
        }
        // The answer is the endpoint's page with the test's outcome on it: a test changes nothing
        // stored, so sending it again on a reload is harmless.
        router.post("endpoints/:id/test") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await console.post(request, "Endpoint \(id)", write: .sendTestEvent) { session, _ in
                var test = Herald_V1_SendTestEventRequest()
                test.endpointID = id
                let answer = try await console.clients.delivery.sendTestEvent(test, metadata: ServiceClients.metadata(for: session.key))
                return try await detail(id, request: request, session: session, testAnswer: TestAnswer(answer))
            }
        }
        router.post("endpoints") { request, _ -> Response in
            await console.post(request, "New endpoint", write: .putEndpoint) { session, form in
                var endpoint = Herald_V1_Endpoint()
                endpoint.id = form["id"] ?? ""
                endpoint.url = form["url"] ?? ""
                endpoint.secret = form["secret"] ?? ""
                endpoint.enabled = true
                endpoint.maxAttempts = Int32(form["max_attempts"] ?? "") ?? 0
                endpoint.description_p = form["description"] ?? ""
                return try await put(endpoint, session: session, notice: "Endpoint \(endpoint.id) saved.", back: "/endpoints")
            }
        }
        router.post("endpoints/:id/enabled") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await console.post(request, "Endpoint \(id)", write: .putEndpoint) { session, form in
                var endpoint = try await current(id, session: session)
                endpoint.enabled = form["enabled"] == "true"
                return try await put(endpoint, session: session, notice: "Endpoint \(id) \(endpoint.enabled ? "enabled" : "disabled").", back: "/endpoints/\(id)")
            }
        }
        router.post("endpoints/:id/secret") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await console.post(request, "Endpoint \(id)", write: .putEndpoint) { session, form in
                var endpoint = try await current(id, session: session)
                guard let secret = form["secret"], !secret.isEmpty else {
                    return Console.redirect("/endpoints/\(id)?error=" + "Give the new secret (whsec_…) to rotate to.".addingPercentEncodingForQuery)
                }
                endpoint.secret = secret
                return try await put(endpoint, session: session, notice: "Secret of \(id) rotated; the previous one signs beside it for the overlap.", back: "/endpoints/\(id)")
            }
        }
    }

    private func detail(_ id: String, request: Request, session: ConsoleSession, testAnswer: TestAnswer?) async throws -> Response {
        let window = request.uri.queryParameters.get("window").flatMap { Int($0) } ?? 3600
        let metadata = ServiceClients.metadata(for: session.key)
        var lookup = Herald_V1_GetEndpointRequest()
        lookup.id = id
        let endpoint = try await console.clients.delivery.getEndpoint(lookup, metadata: metadata).endpoint
        var healthRequest = Herald_V1_GetEndpointHealthRequest()
        healthRequest.endpointID = id
        healthRequest.window = Google_Protobuf_Duration(seconds: Int64(window))
        // Sixty points whatever the window: a minute each over the default hour.
        healthRequest.step = Google_Protobuf_Duration(seconds: Int64(max(1, window / Self.chartSteps)))
        let health = try await console.clients.delivery.getEndpointHealth(healthRequest, metadata: metadata)
        let controls = ConsoleControls(scopes: session.scopes)
        let detail = Detail(
            endpoint: Row(endpoint), health: Health(health), latency: Self.latencyChart(health.steps),
            stepLabel: Self.windows.first { $0.0 == window }.map { "\($0.1) in \(Self.chartSteps) steps" } ?? "\(window) s in \(Self.chartSteps) steps",
            windows: Self.windows.map { Window(seconds: $0.0, label: $0.1, selected: $0.0 == window) },
            editable: controls.editEndpoints, testable: controls.permits(.sendTestEvent) && endpoint.enabled,
            testAnswer: testAnswer, csrf: session.csrfToken)
        return console.page("Endpoint \(id)", "endpoint", detail, session: session, after: request)
    }

    /// The endpoint as stored: its secret empty (kept) and secret headers `<redacted>` (kept), so a put changes only what the form changes.
    private func current(_ id: String, session: ConsoleSession) async throws -> Herald_V1_Endpoint {
        var lookup = Herald_V1_GetEndpointRequest()
        lookup.id = id
        return try await console.clients.delivery.getEndpoint(lookup, metadata: ServiceClients.metadata(for: session.key)).endpoint
    }

    private func put(_ endpoint: Herald_V1_Endpoint, session: ConsoleSession, notice: String, back: String) async throws -> Response {
        var put = Herald_V1_PutEndpointRequest()
        put.endpoint = endpoint
        do {
            _ = try await console.clients.delivery.putEndpoint(put, metadata: ServiceClients.metadata(for: session.key))
        } catch {
            return Console.redirect(back + "?error=" + Console.describe(error).addingPercentEncodingForQuery)
        }
        return Console.redirect(back + "?notice=" + notice.addingPercentEncodingForQuery)
    }
}
