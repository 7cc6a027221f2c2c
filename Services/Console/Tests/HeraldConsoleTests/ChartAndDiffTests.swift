import Foundation
import Testing

@testable import HeraldConsole

@Suite("The outcome chart's geometry and the schema diff")
struct ChartAndDiffTests {
    let end = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func barsStackOutcomesPerMinuteScaledToTheBusiestMinute() {
        let events: [(at: Date, outcome: OutcomeChart.Outcome)] = [
            (end.addingTimeInterval(-10), .succeeded), (end.addingTimeInterval(-20), .succeeded), (end.addingTimeInterval(-30), .dead),
            (end.addingTimeInterval(-70), .succeeded), (end.addingTimeInterval(-90), .retrying),
            (end.addingTimeInterval(-600), .succeeded), (end.addingTimeInterval(5), .succeeded),
        ]
        let chart = OutcomeChart(events: events, end: end, minutes: 3, width: 300, height: 90)
        #expect(chart.total == 5)
        #expect(chart.scale == 3)
        #expect(chart.bars.map(\.minutesAgo) == [2, 1, 0])
        #expect(chart.bars[0].segments.isEmpty)
        let last = chart.bars[2]
        #expect(last.segments.map(\.outcome) == ["succeeded", "dead"])
        #expect(last.segments[0].y == 30 && last.segments[0].height == 60)
        #expect(last.segments[1].y == 0 && last.segments[1].height == 30)
        let middle = chart.bars[1]
        #expect(middle.segments.map(\.count) == [1, 1])
        #expect(middle.segments.last!.y == 30)
        #expect(chart.bars[1].x == 110 && chart.bars[1].width == 80)
    }

    @Test func anEmptyWindowStillHasAScale() {
        let chart = OutcomeChart(events: [], end: end, minutes: 60)
        #expect(chart.scale == 1)
        #expect(chart.bars.count == 60)
        #expect(chart.bars.allSatisfy { $0.segments.isEmpty && $0.x >= 0 && $0.x + $0.width <= chart.width })
    }

    @Test func aNewFieldShowsAsAddedLinesOnlyAndFormattingIsNoChange() {
        let v1 = #"{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}"#
        let v1Spaced = "{ \"name\": \"A\", \"type\": \"record\",\n \"fields\": [ {\"type\": \"int\", \"name\": \"x\"} ] }"
        #expect(!SchemaDiff(left: v1, right: v1Spaced).changed)
        let v2 = #"{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"y","type":"string","default":""}]}"#
        let diff = SchemaDiff(left: v1, right: v2)
        #expect(diff.changed)
        #expect(diff.rows.allSatisfy { $0.change != .removed || $0.left!.trimmingCharacters(in: .whitespaces) == "}" })
        let added = diff.rows.filter { $0.change == .added }.compactMap(\.right).joined()
        #expect(added.contains("\"y\"") && added.contains("\"string\""))
        #expect(diff.rows.filter { $0.change != .added }.count == SchemaDiff.lines(v1).count)
        #expect(diff.rows.filter { $0.change != .removed }.count == SchemaDiff.lines(v2).count)
    }

    @Test func alignmentKeepsEveryLineOfBothSidesInOrder() {
        let rows = SchemaDiff.align(["a", "b", "c", "d"], ["a", "c", "e", "d"])
        #expect(rows.compactMap(\.left) == ["a", "b", "c", "d"])
        #expect(rows.compactMap(\.right) == ["a", "c", "e", "d"])
        #expect(rows.map(\.change) == [.same, .removed, .same, .added, .same])
    }
}
