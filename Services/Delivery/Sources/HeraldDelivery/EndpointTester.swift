import Foundation
import GRPCCore
import HeraldCore
import HeraldProtos
import HeraldRuntime

/// Carries out `SendTestEvent`: one `TestEvent` to an endpoint, through the delivery's own address
/// check and `WebhookSender.post` (so it is signed with the endpoint's secrets and carries its
/// headers), outside the delivery loop — no task, status or dead letter is written, the circuit
/// breaker and rate limit are neither asked nor fed — and audited as `endpoint.test`.
struct EndpointTester: Sendable {
    let endpoints: EndpointStore
    let sender: WebhookSender
    let audit: AuditLog

    func send(to endpointID: String, now: Date = Date()) async throws -> Herald_V1_SendTestEventResponse {
        guard !endpointID.isEmpty else { throw DeliveryAPIError(.invalidArgument, "endpoint_id: required") }
        let stored = try endpoints.get(endpointID)
        guard stored.enabled else {
            throw DeliveryAPIError(.failedPrecondition, "endpoint '\(endpointID)' is disabled: enable it to send it a test event")
        }
        guard let endpoint = endpoints.resolved(endpointID, now: now) else {
            throw DeliveryAPIError(.failedPrecondition, "endpoint '\(endpointID)': its stored secrets do not open with this instance's master keys")
        }
        let id = TestEvent.newID()
        let task = TestEvent.task(endpointID: endpointID, id: id, now: now)
        // Whatever the endpoint answered, the test was sent: the call succeeded, and its record says so.
        let response = TestEvent.response(id: id, await outcome(task, to: endpoint, now: now))
        await audit.record("endpoint.test", target: endpointID, outcome: .succeeded, detail: TestEvent.auditDetail(response))
        return response
    }

    private func outcome(_ task: Herald_V1_DeliveryTask, to endpoint: ResolvedEndpoint, now: Date) async -> TestEvent.Outcome {
        let address: IPAddress?
        do throws(EndpointAddressPolicy.Refusal) {
            address = try await endpoints.checkAddress(endpoint)
        } catch {
            return .refused(error.description)
        }
        let started = ContinuousClock.now
        do {
            let answer = try await sender.post(task, body: TestEvent.body(task), to: endpoint, connectingTo: address, now: now)
            return .answered(status: answer.status, excerpt: answer.excerpt, body: answer.body, duration: .now - started)
        } catch {
            return .failed("\(error)", duration: .now - started)
        }
    }
}
