@testable import HeraldKafka
import Testing

/// `IdleFetchSchedule` without a broker: when caught-up partitions rest and wake.
@Suite struct IdleFetchScheduleTests {
    private let origin = ContinuousClock.now
    private let events = TopicPartition(topic: "events", partition: 0)

    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }

    private func end(_ partition: TopicPartition, _ offset: Int64) -> TopicPartitionOffset {
        TopicPartitionOffset(partition, offset: offset)
    }

    /// Drives one partition through `rounds` empty fetches, each starting the moment its rest ends;
    /// returns how long each rest lasted.
    private func idleRests(_ schedule: inout IdleFetchSchedule, rounds: Int, offset: Int64 = 5) -> [Duration] {
        var now = origin
        var rests: [Duration] = []
        for _ in 0..<rounds {
            let rests1 = schedule.caughtUp(end(events, offset), at: now)
            #expect(rests1)
            let wake = schedule.nextWake!
            let woken1 = schedule.due(at: wake)
            #expect(woken1 == [end(events, offset)])
            rests.append(wake - now)
            now = wake
        }
        return rests
    }

    @Test func anIdlePartitionRestsLongerAfterEachEmptyFetchUpToTheLongest() {
        var schedule = IdleFetchSchedule(longest: .milliseconds(64), origin: origin)
        let rests = idleRests(&schedule, rounds: 10)
        // Each rest ends on its own grid, between half and one and a half of its backoff.
        let backoffs: [Duration] = [1, 2, 4, 8, 16, 32, 64, 64, 64, 64].map { .milliseconds($0) }
        for (rest, backoff) in zip(rests, backoffs) {
            #expect(rest >= backoff / 2 && rest <= backoff * 3 / 2, "rest \(rest) for backoff \(backoff)")
        }
        #expect(rests.suffix(3).allSatisfy { $0 == .milliseconds(64) }, "at the longest, a rest lasts exactly one backoff: \(rests)")
    }

    @Test func aLongerShortestRestIsTheFirstRestAndStillDoublesToTheLongest() {
        var schedule = IdleFetchSchedule(shortest: .milliseconds(50), longest: .milliseconds(200), origin: origin)
        let rests = idleRests(&schedule, rounds: 5)
        let backoffs: [Duration] = [50, 100, 200, 200, 200].map { .milliseconds($0) }
        for (rest, backoff) in zip(rests, backoffs) {
            #expect(rest >= backoff / 2 && rest <= backoff * 3 / 2, "rest \(rest) for backoff \(backoff)")
        }
        #expect(rests.first! >= .milliseconds(25), "no rest is shorter than half the shortest: \(rests)")
    }

    @Test func aFetchThatFoundRecordsStartsTheBackoffOver() {
        var schedule = IdleFetchSchedule(longest: .milliseconds(64), origin: origin)
        let idle = idleRests(&schedule, rounds: 8)
        #expect(idle.last == .milliseconds(64))
        let now = origin + idle.reduce(.zero, +)
        // Caught up again, further on: the fetch found records, so the next rest is the shortest.
        let rests2 = schedule.caughtUp(end(events, 9), at: now)
        #expect(rests2)
        #expect(schedule.nextWake! - now <= .milliseconds(1) * 3 / 2)
        let woken2 = schedule.due(at: schedule.nextWake!)
        #expect(woken2 == [end(events, 9)])
    }

    @Test func partitionsRestingAlikeWakeTogether() {
        var schedule = IdleFetchSchedule(longest: .milliseconds(100), origin: origin)
        let other = TopicPartition(topic: "events", partition: 1)
        // Both at the longest backoff, caught up 30 ms apart.
        for partition in [events, other] {
            var now = origin
            for _ in 0..<10 {
                _ = schedule.caughtUp(end(partition, 1), at: now)
                now = schedule.nextWake!
                _ = schedule.due(at: now)
            }
        }
        let rests3 = schedule.caughtUp(end(events, 1), at: at(1_000))
        #expect(rests3)
        let rests4 = schedule.caughtUp(end(other, 1), at: at(1_030))
        #expect(rests4)
        let woken3 = schedule.due(at: at(1_099))
        #expect(woken3 == [])
        let woken4 = schedule.due(at: at(1_100))
        #expect(woken4 == [end(events, 1), end(other, 1)])
    }

    @Test func aWriteWakesTheRestingPartitionsOfItsTopicOnlyAndStartsTheirBackoffOver() {
        var schedule = IdleFetchSchedule(longest: .seconds(3600), origin: origin)
        let routes = TopicPartition(topic: "routes", partition: 0)
        var now = origin
        for _ in 0..<30 {
            _ = schedule.caughtUp(end(events, 3), at: now)
            _ = schedule.caughtUp(end(routes, 7), at: now)
            now = schedule.nextWake!
            _ = schedule.due(at: now)
        }
        let rests5 = schedule.caughtUp(end(events, 3), at: now)
        #expect(rests5)
        let rests6 = schedule.caughtUp(end(routes, 7), at: now)
        #expect(rests6)
        #expect(schedule.nextWake! - now >= .seconds(1800), "both rest long after a long idle spell")

        let woken5 = schedule.written(to: ["events"])
        #expect(woken5 == [end(events, 3)])
        let woken6 = schedule.due(at: now + .seconds(60))
        #expect(woken6 == [], "the other topic keeps resting")
        // The woken fetch may still find nothing (it raced the write): it rests only briefly.
        let rests7 = schedule.caughtUp(end(events, 3), at: now)
        #expect(rests7)
        #expect(schedule.nextWake! - now <= .milliseconds(2))
    }

    @Test func aWriteDuringAFetchShortensTheRestThatFollows() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        var now = origin
        for _ in 0..<20 {
            _ = schedule.caughtUp(end(events, 3), at: now)
            now = schedule.nextWake!
            _ = schedule.due(at: now)
        }
        // Being fetched (not resting) when the write is announced: nothing to wake now …
        let woken7 = schedule.written(to: ["events"])
        #expect(woken7 == [])
        // … but the fetch may have been answered before the write: its rest is the shortest.
        let rests8 = schedule.caughtUp(end(events, 3), at: now)
        #expect(rests8)
        #expect(schedule.nextWake! - now <= .milliseconds(2))
    }

    @Test func releasedPartitionsLeaveTheScheduleAndTheRestingOnesAreNamed() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        let fetched = TopicPartition(topic: "events", partition: 1)
        _ = schedule.caughtUp(end(events, 3), at: origin)
        _ = schedule.caughtUp(end(fetched, 4), at: origin)
        _ = schedule.due(at: schedule.nextWake!)
        _ = schedule.caughtUp(end(events, 3), at: at(5))
        let woken8 = schedule.release([events, fetched])
        #expect(woken8 == [events], "only a resting partition needs resuming")
        #expect(schedule.nextWake == nil)
        let woken9 = schedule.due(at: at(10_000))
        #expect(woken9 == [])
        // Back in the schedule, a partition starts from the shortest rest again.
        let rests9 = schedule.caughtUp(end(events, 3), at: at(20))
        #expect(rests9)
        #expect(schedule.nextWake! - at(20) <= .milliseconds(2))
    }

    @Test func aPartitionAlreadyRestingOrAtAnUnknownOffsetIsNotRestedAgain() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        let rests10 = schedule.caughtUp(end(events, -1), at: origin)
        #expect(!rests10)
        let rests11 = schedule.caughtUp(end(events, 3), at: origin)
        #expect(rests11)
        let rests12 = schedule.caughtUp(end(events, 3), at: origin)
        #expect(!rests12)
    }

    @Test func noLongestRestMeansNoRest() {
        var schedule = IdleFetchSchedule(longest: .zero, origin: origin)
        #expect(!schedule.isEnabled)
        let rests13 = schedule.caughtUp(end(events, 3), at: origin)
        #expect(!rests13)
        #expect(schedule.pollTimeout(at: origin, limit: .seconds(1)) == .seconds(1))
    }

    @Test func thePollWaitsNoLongerThanTheNextRest() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        #expect(schedule.pollTimeout(at: origin, limit: .seconds(1)) == .seconds(1))
        _ = schedule.caughtUp(end(events, 3), at: origin)
        #expect(schedule.pollTimeout(at: origin, limit: .seconds(1)) == schedule.nextWake! - origin)
        #expect(schedule.pollTimeout(at: at(50), limit: .seconds(1)) == .zero)
    }

    // MARK: Rests that start together when a burst of polls ends

    @Test func partitionsThatReachedTheirEndInOneBurstStartRestingTogetherWhenItEnds() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        let other = TopicPartition(topic: "events", partition: 1)
        schedule.reachedEnd(end(other, 4))
        schedule.reachedEnd(end(events, 3))
        #expect(schedule.hasReachedEnds)
        #expect(schedule.nextWake == nil, "nothing rests before the burst is over")
        let resting = schedule.startRests(at: origin)
        #expect(resting == [events, other], "one pause for both")
        #expect(!schedule.hasReachedEnds)
        let woken = schedule.due(at: schedule.nextWake!)
        #expect(woken == [end(events, 3), end(other, 4)])
        let again = schedule.startRests(at: origin)
        #expect(again == [], "each end rests once")
    }

    @Test func aRecordAfterItsEndInTheSameBurstKeepsThePartitionFetched() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        let other = TopicPartition(topic: "events", partition: 1)
        schedule.reachedEnd(end(events, 3))
        schedule.reachedEnd(end(other, 4))
        // Written right after the end was reported: resting would fetch offset 3 again, a repeat.
        schedule.received(events)
        let resting = schedule.startRests(at: origin)
        #expect(resting == [other])
    }

    @Test func aWriteOrTheCallerTakingThePartitionCancelsTheRestToStart() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        let routes = TopicPartition(topic: "routes", partition: 0)
        let other = TopicPartition(topic: "events", partition: 1)
        schedule.reachedEnd(end(events, 3))
        schedule.reachedEnd(end(routes, 7))
        schedule.reachedEnd(end(other, 4))
        let woken = schedule.written(to: ["routes"])
        #expect(woken == [], "nothing rested yet")
        let released = schedule.release([other])
        #expect(released == [], "not paused, nothing to resume")
        let resting = schedule.startRests(at: origin)
        #expect(resting == [events], "the written topic is read on; the released partition is the caller's")
    }

    @Test func anEndIsNotRestedTwiceNorWhenRestingIsOff() {
        var schedule = IdleFetchSchedule(longest: .seconds(1), origin: origin)
        schedule.reachedEnd(end(events, 3))
        _ = schedule.startRests(at: origin)
        schedule.reachedEnd(end(events, 3))
        #expect(!schedule.hasReachedEnds, "already resting")
        var off = IdleFetchSchedule(longest: .zero, origin: origin)
        off.reachedEnd(end(events, 3))
        #expect(!off.hasReachedEnds)
        let resting = off.startRests(at: origin)
        #expect(resting == [])
    }
}

