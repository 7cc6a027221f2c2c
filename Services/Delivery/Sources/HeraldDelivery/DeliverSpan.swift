import AsyncHTTPClient
import HeraldCore
import HeraldProtos
import HeraldRuntime
import NIOHTTP1
import Tracing

/// The exported span of one webhook attempt (when spans are exported): a child of the routing
/// step the task carries, naming the span id the webhook's `traceparent` carries
/// (`herald.span_id`), with the HTTP status, or the error when no response came.
enum DeliverSpan {
    static func around(
        _ task: Herald_V1_DeliveryTask, stepSpanID: UInt64, _ attempt: () async throws -> WebhookAnswer
    ) async throws -> WebhookAnswer {
        guard SpanExport.isEnabled, let parent = TracePropagation.context(in: task.eventExtensions),
              let step = StepSpan.start("deliver", parent: parent, kind: .client)
        else { return try await attempt() }
        defer { step.span.end() }
        step.describe(source: task.eventSource, id: task.eventID)
        step.record(stepSpanID: stepSpanID)
        step.span.attributes["herald.endpoint.id"] = task.endpointID
        step.span.attributes["herald.delivery.id"] = task.deliveryID
        step.span.attributes["herald.delivery.attempt"] = Int(task.attempt)
        do {
            let response = try await attempt()
            let status = response.status
            step.span.attributes["http.response.status_code"] = status
            if status >= 400 { step.span.setStatus(SpanStatus(code: .error)) }
            return response
        } catch {
            step.span.recordError(error)
            step.span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
