import Foundation
@testable import HeraldDelivery
import HeraldProtos
import Testing

/// Every filter `herald deliveries list` offers, alone and in the combinations a console pages
/// through, must read its page from an index already in the list order: SQLite's plan then
/// touches only the rows it returns, however many the log holds. A plan that scans the table or
/// sorts (`USE TEMP B-TREE FOR ORDER BY`) reads every matching row for each page instead.
/// SQLite plans without statistics here (the service never runs `ANALYZE`), so an empty log
/// plans exactly like a large one.
@Suite struct DeliveryLogPlanTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var name: String
        var filter: DeliveryFilter
        var index: String
        var testDescription: String { name }
    }

    static let dead = Herald_V1_DeliveryState.dead.rawValue
    static let shapes: [Shape] = [
        Shape(name: "everything", filter: DeliveryFilter(), index: "deliveries_by_time"),
        Shape(name: "endpoint", filter: DeliveryFilter(endpointID: "ep"), index: "deliveries_by_endpoint"),
        Shape(name: "state", filter: DeliveryFilter(state: dead), index: "deliveries_by_state"),
        Shape(name: "event type", filter: DeliveryFilter(eventType: "t"), index: "deliveries_by_type"),
        Shape(name: "source", filter: DeliveryFilter(eventSource: "/s"), index: "deliveries_by_source"),
        Shape(name: "time range", filter: DeliveryFilter(sinceMicros: 1, untilMicros: 2), index: "deliveries_by_time"),
        Shape(name: "endpoint and state", filter: DeliveryFilter(endpointID: "ep", state: dead), index: "deliveries_by_endpoint_state"),
        Shape(name: "endpoint and time range", filter: DeliveryFilter(endpointID: "ep", sinceMicros: 1, untilMicros: 2), index: "deliveries_by_endpoint"),
        Shape(name: "state and time range", filter: DeliveryFilter(state: dead, sinceMicros: 1, untilMicros: 2), index: "deliveries_by_state"),
        Shape(name: "event type and time range", filter: DeliveryFilter(eventType: "t", sinceMicros: 1), index: "deliveries_by_type"),
        Shape(name: "endpoint, state and time range", filter: DeliveryFilter(endpointID: "ep", state: dead, sinceMicros: 1), index: "deliveries_by_endpoint_state"),
        Shape(name: "endpoint and event type", filter: DeliveryFilter(endpointID: "ep", eventType: "t"), index: "deliveries_by_endpoint"),
        Shape(name: "state and event type", filter: DeliveryFilter(state: dead, eventType: "t"), index: "deliveries_by_type"),
    ]

    @Test(arguments: shapes)
    func aFirstPageAndANextPageSearchTheFiltersIndexInListOrder(_ shape: Shape) async throws {
        let log = try await LogBackend.sqlite.open(try await LogBackend.sqlite.freshLocation())
        for cursor in [nil, DeliveryCursor(updatedMicros: 5, deliveryID: "dlv_x")] {
            let plan = try await log.listPlan(shape.filter, after: cursor, limit: 100)
            #expect(plan.count == 1, "one step, no sort: \(plan)")
            let step = try #require(plan.first)
            // Only the unfiltered first page walks an index from its end; every other page searches one.
            let access = shape.filter == DeliveryFilter() && cursor == nil ? "SCAN" : "SEARCH"
            #expect(step.hasPrefix("\(access) deliveries USING ") && step.contains("INDEX \(shape.index)"), "\(plan)")
            if cursor != nil {
                // The cursor bounds the index search, so a page deep in the list starts at its first row.
                #expect(step.contains("(updated_us,delivery_id)<(?,?)"), "\(plan)")
            }
        }
        await log.database.close()
    }
}
