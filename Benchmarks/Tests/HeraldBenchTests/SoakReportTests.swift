import Testing

@testable import HeraldBench

/// The soak's judgement on made-up samples: slope after warm-up, peak against the limit, the table.
@Suite struct SoakReportTests {
    static func sample(_ events: Int, router: Double, delivery: Double) -> SoakReport.Sample {
        SoakReport.Sample(events: events, rssMB: ["router": router, "delivery": delivery])
    }

    @Test func slopeIsMegabytesPerMillionEventsAfterWarmUpOnly() {
        // Warm-up climbs steeply; afterwards router grows 10 MB per million events, delivery stays flat.
        let samples = [Self.sample(0, router: 20, delivery: 20), Self.sample(100_000, router: 80, delivery: 90)]
            + stride(from: 200_000, through: 1_200_000, by: 200_000).map {
                Self.sample($0, router: 100 + Double($0) / 100_000, delivery: 95)
            }
        let report = SoakReport(samples: samples, services: ["router", "delivery"], warmUpEvents: 200_000, limitMB: 250, limited: ["router", "delivery"])
        let router = report.rows[0], delivery = report.rows[1]
        #expect(abs(router.slopeMBPerMillion - 10) < 1e-9)
        #expect(abs(delivery.slopeMBPerMillion) < 1e-9)
        #expect(router.atWarmUpMB == 102 && router.peakMB == 112 && router.finalMB == 112)
        #expect(report.passed)
    }

    @Test func aLimitedServiceAboveTheLimitFailsAndAnUnlimitedOneDoesNot() {
        let samples = [
            SoakReport.Sample(events: 0, rssMB: ["router": 100, "producer": 400, "delivery": 100]),
            SoakReport.Sample(events: 10, rssMB: ["router": 251, "producer": 400, "delivery": 100]),
            SoakReport.Sample(events: 20, rssMB: ["router": 120, "producer": 400, "delivery": 100]),
        ]
        let report = SoakReport(samples: samples, services: ["producer", "router", "delivery"], warmUpEvents: 0, limitMB: 250, limited: ["router", "delivery"])
        #expect(report.rows.map(\.overLimit) == [false, true, false])
        #expect(!report.passed)
        #expect(report.table.contains("| router | 100.0 | 251.0 | 120.0 |"))
        #expect(report.table.contains("OVER 250.0"))
    }

    @Test func slopeOfTooFewOrConstantPointsIsZero() {
        #expect(SoakReport.slope([]) == 0)
        #expect(SoakReport.slope([(1, 5)]) == 0)
        #expect(SoakReport.slope([(1, 5), (1, 9)]) == 0)
    }

    @Test func residentMemoryIsReadFromTheVmRSSLine() {
        let status = "Name:\therald-router\nVmPeak:\t  900000 kB\nVmRSS:\t   51200 kB\nRssAnon:\t   40000 kB\n"
        #expect(ResidentMemory.parse(status: status) == 51200 * 1024 / 1e6)
        #expect(ResidentMemory.parse(status: "Name:\tx\n") == nil)
        #expect(ResidentMemory.parse(status: "VmRSS:\t12 MB\n") == nil)
    }
}
