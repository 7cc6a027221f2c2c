import Testing

@testable import HeraldConsole

@Suite("The latency-over-time chart's geometry")
struct LatencyChartTests {
    @Test func pointsSitAtTheirStepsMiddleScaledToARoundTop() throws {
        // Four steps over 400 px: middles at 50, 150, 250, 350. The largest p99 is 0.8 s: the top is 1 s.
        let chart = try #require(LatencyChart(steps: [
            .init(p50: 0.1, p99: 0.4), .init(p50: 0.2, p99: 0.8), .init(p50: 0.05, p99: 0.5), .init(p50: 0.1, p99: 0.1),
        ], width: 400, height: 100))
        #expect(chart.scale == 1)
        #expect(chart.series.map(\.name) == ["p50", "p99"])
        #expect(chart.series[0].lines == ["50.0,90.0 150.0,80.0 250.0,95.0 350.0,90.0"])
        #expect(chart.series[1].lines == ["50.0,60.0 150.0,20.0 250.0,50.0 350.0,90.0"])
        #expect(chart.measured == 4)
    }

    @Test func aStepWithoutRequestsBreaksTheLines() throws {
        let chart = try #require(LatencyChart(steps: [
            .init(p50: 0.01, p99: 0.02), .init(p50: nil, p99: nil), .init(p50: 0.01, p99: 0.02), .init(p50: 0.01, p99: 0.02),
        ], width: 400, height: 100))
        // The first step stands alone: it is drawn across its 100 px, or it would not show at all.
        #expect(chart.series[1].lines == ["0.0,0.0 100.0,0.0", "250.0,0.0 350.0,0.0"], "0.02 s is the top exactly")
        #expect(chart.measured == 3)
        #expect(LatencyChart(steps: [.init(p50: nil, p99: nil)]) == nil, "nothing measured, nothing drawn")
        #expect(LatencyChart(steps: []) == nil)
    }

    @Test(arguments: [
        (0.0004, 0.001), (0.001, 0.001), (0.0012, 0.002), (0.003, 0.005), (0.05, 0.05), (0.051, 0.1), (0.7, 1.0), (1.0, 1.0), (7.0, 10.0), (12.0, 20.0),
    ])
    func theTopIsOneTwoOrFiveTimesAPowerOfTen(largest: Double, top: Double) {
        #expect(abs(LatencyChart.roundUp(largest) - top) < top * 1e-9, "\(largest) → \(LatencyChart.roundUp(largest))")
    }
}
