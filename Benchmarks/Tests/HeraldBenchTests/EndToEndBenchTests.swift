import HeraldCore
import Testing

@testable import HeraldBench

/// The pure parts of `herald-bench e2e`: the open-loop schedule, the steady-state judgement, the
/// maximum-rate search and the table. No timing: everything runs on made-up numbers.
struct PacedScheduleTests {
    @Test(arguments: [(500.0, 10.0, 5000), (1000, 10, 10_000), (2000, 6, 12_000), (333, 1, 333), (0.5, 1, 1)])
    func countIsRateTimesDuration(rate: Double, duration: Double, count: Int) {
        #expect(PacedSchedule(rate: rate, duration: duration).count == count)
    }

    @Test func eventsAreEvenlySpacedFromTheStart() {
        let schedule = PacedSchedule(rate: 2000, duration: 1)
        #expect(schedule.offset(of: 0) == .zero)
        #expect(schedule.offset(of: 1) == .microseconds(500))
        #expect(schedule.offset(of: 1999) == .nanoseconds(999_500_000))
        #expect(schedule.span == schedule.offset(of: 1999))
    }

    @Test func dueCountAgreesWithTheOffsetsEverywhere() {
        var random = SplitMix64(seed: 7)
        for rate in [1.0, 3, 500, 997, 1000, 2000, 12_345] {
            let schedule = PacedSchedule(rate: rate, duration: 3)
            #expect(schedule.dueCount(after: .nanoseconds(-1)) == 0)
            #expect(schedule.dueCount(after: .zero) == 1)
            #expect(schedule.dueCount(after: schedule.span) == schedule.count)
            #expect(schedule.dueCount(after: .seconds(60)) == schedule.count)
            for _ in 0..<2000 {
                let elapsed = Duration.nanoseconds(Int64(random.next() % 3_100_000_000))
                let due = schedule.dueCount(after: elapsed)
                // Every event before `due` is due; the one at `due` (if any) is not.
                #expect(due >= 1 && schedule.offset(of: due - 1) <= elapsed, "rate \(rate), \(elapsed)")
                if due < schedule.count { #expect(schedule.offset(of: due) > elapsed, "rate \(rate), \(elapsed)") }
            }
            // Exactly at an event's time it counts as due.
            for index in [1, schedule.count / 2, schedule.count - 1] {
                #expect(schedule.dueCount(after: schedule.offset(of: index)) == index + 1)
            }
        }
    }
}

struct SteadyStateTests {
    /// 10 s at `rate`, sampled every 100 ms; deliveries follow offered `lag` seconds late at `share` of the rate.
    static func timeline(rate: Double, share: Double, lag: Double = 0.2) -> [ThroughputSample] {
        (0...100).map { step in
            let t = Double(step) / 10
            let offered = Int(rate * t)
            return ThroughputSample(seconds: t, offered: offered, sent: offered, delivered: Int(max(0, t - lag) * rate * share))
        }
    }

    @Test func aPipelineThatKeepsUpIsSustained() {
        let verdict = SteadyStateVerdict.judge(Self.timeline(rate: 1000, share: 1), rate: 1000, window: 2...10, drained: true)
        #expect(verdict.sustained)
        #expect(abs(verdict.deliveredRate - 1000) < 20)
        #expect(abs(verdict.backlogGrowth) < 20)
    }

    @Test func aPipelineThatFallsBehindIsNot() {
        let verdict = SteadyStateVerdict.judge(Self.timeline(rate: 1000, share: 0.6), rate: 1000, window: 2...10, drained: true)
        #expect(!verdict.sustained)
        #expect(abs(verdict.deliveredRate - 600) < 20)
        #expect(abs(verdict.backlogGrowth - 400) < 20)
    }

    @Test func justUnderTheThresholdsCountsAsKeepingUp() {
        #expect(SteadyStateVerdict.judge(Self.timeline(rate: 1000, share: 0.97), rate: 1000, window: 2...10, drained: true).sustained)
        #expect(!SteadyStateVerdict.judge(Self.timeline(rate: 1000, share: 0.9), rate: 1000, window: 2...10, drained: true).sustained)
    }

    @Test func anUndrainedRunIsNeverSustained() {
        #expect(!SteadyStateVerdict.judge(Self.timeline(rate: 1000, share: 1), rate: 1000, window: 2...10, drained: false).sustained)
    }

    @Test func onlyTheWindowCounts() {
        // Stalled for the first 3 s, then delivering at the offered rate with a constant backlog.
        let samples = (0...100).map { step -> ThroughputSample in
            let t = Double(step) / 10
            return ThroughputSample(seconds: t, offered: Int(500 * t), sent: Int(500 * t), delivered: t < 3 ? 0 : Int(500 * (t - 3)))
        }
        #expect(SteadyStateVerdict.judge(samples, rate: 500, window: 3.5...10, drained: true).sustained)
        #expect(!SteadyStateVerdict.judge(samples, rate: 500, window: 0...4, drained: true).sustained)
    }

    @Test func tooFewSamplesAreNotSustained() {
        let one = [ThroughputSample(seconds: 1, offered: 10, sent: 10, delivered: 10)]
        #expect(!SteadyStateVerdict.judge(one, rate: 10, window: 0...10, drained: true).sustained)
        #expect(!SteadyStateVerdict.judge([], rate: 10, window: 0...10, drained: true).sustained)
    }

    @Test func slopeOfALine() {
        #expect(abs(SteadyStateVerdict.slope([(0, 1), (1, 3), (2, 5), (3, 7)]) - 2) < 1e-9)
        #expect(SteadyStateVerdict.slope([(1, 1), (1, 5)]) == 0)
        #expect(SteadyStateVerdict.slope([(1, 1)]) == 0)
    }
}

struct MaxRateSearchTests {
    @Test func bisectsBetweenTheFixedRatesItIsSeededWith() {
        var search = MaxRateSearch(maximumSteps: 10)
        search.seed(rate: 500, sustained: true)
        search.seed(rate: 1000, sustained: true)
        search.seed(rate: 2000, sustained: false)
        var tried: [Double] = []
        // The pipeline keeps up to 1,600/s.
        while let rate = search.next() {
            tried.append(rate)
            search.record(rate: rate, sustained: rate <= 1600)
        }
        #expect(tried == [1400, 1700, 1500, 1600])
        #expect(search.highestSustained == 1600)
        #expect(search.lowestUnsustained == 1700)
    }

    @Test func growsUntilARateFailsThenStopsAtItsStepLimit() {
        var search = MaxRateSearch(start: 500, maximumSteps: 3)
        var tried: [Double] = []
        while let rate = search.next() {
            tried.append(rate)
            search.record(rate: rate, sustained: true)
        }
        #expect(tried == [500, 750, 1100])
        #expect(search.highestSustained == 1100)
        #expect(search.lowestUnsustained == nil)
    }

    @Test func goesDownWhenNothingIsSustained() {
        var search = MaxRateSearch(start: 500, maximumSteps: 20)
        search.seed(rate: 500, sustained: false)
        var tried: [Double] = []
        while let rate = search.next() {
            tried.append(rate)
            search.record(rate: rate, sustained: rate <= 150)
        }
        #expect(tried.prefix(3) == [330, 220, 150])
        #expect(search.highestSustained.map { $0 >= 150 && $0 < 220 } == true)
    }

    @Test func stopsAtTheCeiling() {
        var search = MaxRateSearch(start: 500, ceiling: 1000, maximumSteps: 10)
        while let rate = search.next() { search.record(rate: rate, sustained: true) }
        #expect(search.highestSustained == 1000)
        #expect(search.steps == 3)  // 500, 750, 1000
    }

    @Test func noStepsMeansNoSearch() {
        var search = MaxRateSearch(maximumSteps: 0)
        search.seed(rate: 500, sustained: true)
        #expect(search.next() == nil)
        #expect(search.highestSustained == 500)
    }

    @Test func aSustainedRateAboveAnUnsustainedOneIsNoise() {
        var search = MaxRateSearch(maximumSteps: 0)
        search.seed(rate: 1000, sustained: true)
        search.seed(rate: 1500, sustained: false)
        search.seed(rate: 2000, sustained: true)
        #expect(search.highestSustained == 1000)
    }

    @Test(arguments: [(1414.2, 1400.0), (1673, 1700), (95.4, 95), (12_345, 12_000), (3, 10), (1000, 1000)])
    func ratesRoundToTwoSignificantFigures(rate: Double, expected: Double) {
        #expect(MaxRateSearch.rounded(rate) == expected)
    }
}

struct EndToEndTableTests {
    static func run(_ side: EndToEndRun.Side, _ phase: EndToEndRun.Phase, rate: Double, delivered: Double, sustained: Bool, p50: Double) -> EndToEndRun {
        EndToEndRun(
            side: side, phase: phase, rate: rate, seconds: 10, events: Int(rate * 10), delivered: Int(delivered * 10), repeats: 0,
            publishErrors: 0, latency: LatencySummary(count: Int(rate * 10), p50: p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4),
            verdict: SteadyStateVerdict(deliveredRate: delivered, backlogGrowth: rate - delivered, sustained: sustained),
            drained: true, drainSeconds: 0.1, timeline: [], histogram: [])
    }

    static let results = EndToEndResults(
        settings: .init(brokers: "127.0.0.1:9092", rates: [500, 1000], duration: 10, searchDuration: 6, warmup: 2, endpoints: 4, concurrency: 8, partitions: 12),
        runs: [
            run(.baseline, .fixed, rate: 500, delivered: 500, sustained: true, p50: 3.456),
            run(.baseline, .fixed, rate: 1000, delivered: 999, sustained: true, p50: 4.5),
            run(.herald, .fixed, rate: 500, delivered: 498, sustained: true, p50: 41.25),
            run(.herald, .fixed, rate: 1000, delivered: 612.4, sustained: false, p50: 1234.5),
            run(.herald, .search, rate: 700, delivered: 700, sustained: true, p50: 80),
        ],
        maximumSustained: ["herald": 700, "baseline": 2800])

    @Test func theTableHasARowPerFixedRateAndTheMaximum() {
        let lines = EndToEndTable.render(Self.results).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "| offered events/s | Herald p50 / p95 / p99 ms | Herald delivered/s | baseline p50 / p95 / p99 ms | baseline delivered/s |")
        #expect(lines[2] == "| 500 | 41.2 / 82.5 / 124 | 498 | 3.46 / 6.91 / 10.4 | 500 |")
        #expect(lines[3] == "| 1,000 | 1,235 / 2,469 / 3,704 | 612 (behind) | 4.50 / 9.00 / 13.5 | 999 |")
        #expect(lines[4] == "| max sustained | | 700 | | 2,800 |")
        #expect(lines.contains("Herald / baseline maximum sustained rate: 0.25×."))
    }

    @Test func aMissingSideShowsDashes() {
        var results = Self.results
        results.runs.removeAll { $0.side == .baseline }
        results.maximumSustained["baseline"] = nil
        let table = EndToEndTable.render(results)
        #expect(table.contains("| 500 | 41.2 / 82.5 / 124 | 498 | — | — |"))
        #expect(table.contains("| max sustained | | 700 | | — |"))
        #expect(!table.contains("maximum sustained rate:"))
    }

    @Test func theSearchTableListsEveryRunInOrder() {
        let lines = EndToEndTable.renderSearch(Self.results).split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + Self.results.runs.count)
        #expect(lines[5] == "| herald | fixed | 1,000 | 612 | 388 | 3,704 | no |")
        #expect(lines[6] == "| herald | search | 700 | 700 | 0 | 240 | yes |")
    }

    @Test(arguments: [(0.0, "0"), (999.4, "999"), (1000, "1,000"), (12_345.6, "12,346"), (1_234_567, "1,234,567"), (-1500, "-1,500")])
    func numbersGroupThousands(value: Double, text: String) {
        #expect(EndToEndTable.number(value) == text)
    }

    @Test(arguments: [(3.14159, "3.14"), (41.25, "41.2"), (99.94, "99.9"), (123.4, "123"), (1234.5, "1,235")])
    func millisecondsKeepThreeFigures(value: Double, text: String) {
        #expect(EndToEndTable.decimal(value) == text)
    }
}
