import HeraldCore
import HeraldProtos
import HeraldRouter
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension RouterIntegration {
    /// Routing is a step of the event's trace: each task carries the event's trace on, with the
    /// routing step (one span per event) as its parent; an event without a trace gets none.
    @Suite struct TraceRoutingTests {
        @Test func tasksContinueTheEventsTraceFromTheRoutingStep() async throws {
            let (topics, router) = try await RouterTopics.withRouter()
            try await router.withClient { client in
                _ = try await client.putRoute(.with { $0.route = route("orders", types: ["com.example.order.*"], endpoints: ["e1", "e2"]) })
            }
            let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let writer = try EventWriter(topics: topics)
            try await writer.publish(testEvent("traced", extensions: ["traceparent": parent, "tracestate": "congo=t61rcWkgMzE"]))
            try await writer.publish(testEvent("untraced"))
            await writer.close()
            try await RouterTestEnvironment.eventually("the router to commit every event") { try await topics.allEventsCommitted() }

            let tasks = Dictionary(grouping: try await topics.deliveredTasks().map(\.task), by: \.eventID)
            let routing = try TraceContext(traceparent: parent).child(spanID: TraceContext.spanID(derivedFrom: "route|/shop/orders|traced"))
            #expect(tasks["traced"]?.count == 2)
            for task in tasks["traced", default: []] {
                #expect(task.eventExtensions == ["traceparent": routing.traceparent, "tracestate": "congo=t61rcWkgMzE"])
            }
            #expect(tasks["untraced"]?.map(\.eventExtensions) == [[:], [:]])
            try await router.stop()
        }
    }
}
