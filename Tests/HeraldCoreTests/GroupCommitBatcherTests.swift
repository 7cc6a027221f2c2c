import HeraldCore
import Testing

@Suite struct GroupCommitBatcherTests {
    typealias Batcher = GroupCommitBatcher<Int>
    struct Aborted: Error {}
    static let start = ContinuousClock.now

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    static func started(_ actions: [Batcher.Action]) -> [[Int]] {
        actions.compactMap { if case .startTransaction(let items) = $0 { items } else { nil } }
    }

    @Test func lingersThenStartsOneTransaction() {
        var batcher = Batcher(configuration: .init(maxCount: 10, maxBytes: 1000, linger: .milliseconds(5)))
        let first = batcher.submit(1, size: 10, now: Self.at(0))
        guard case .scheduleLinger(let deadline) = first.first, first.count == 1 else { Issue.record("\(first)"); return }
        #expect(deadline == Self.at(5))
        #expect(batcher.submit(2, size: 10, now: Self.at(2)).isEmpty)
        #expect(batcher.tick(now: Self.at(4)).isEmpty)
        #expect(Self.started(batcher.tick(now: Self.at(5))) == [[1, 2]])
        #expect(batcher.isTransactionInFlight)
    }

    @Test func countAndByteBoundsCloseBatches() {
        var batcher = Batcher(configuration: .init(maxCount: 3, maxBytes: 100, linger: .seconds(1)))
        var starts: [[Int]] = []
        for item in 0..<3 { starts += Self.started(batcher.submit(item, size: 10, now: Self.at(0))) }
        #expect(starts == [[0, 1, 2]])
        // While it commits, the next batches accumulate; bytes close [3, 4] (60 + 50 > 100).
        for (item, size) in [(3, 60), (4, 40), (5, 50)] { starts += Self.started(batcher.submit(item, size: size, now: Self.at(1))) }
        #expect(starts.count == 1)
        let afterCommit = batcher.transactionCommitted(now: Self.at(2))
        // The next transaction starts before the committed one's items are answered.
        guard afterCommit.count == 2, case .startTransaction([3, 4]) = afterCommit[0], case .complete(let done, .committed) = afterCommit[1] else {
            Issue.record("\(afterCommit)")
            return
        }
        #expect(done == [0, 1, 2])
        // [5] is still lingering; it goes when its linger ends, not when [3, 4] commits.
        #expect(Self.started(batcher.transactionCommitted(now: Self.at(3))) == [])
        #expect(Self.started(batcher.tick(now: Self.at(1001))) == [[5]])
    }

    @Test func aFatallyFailedProducerFailsEveryWaitingItemAndFinishes() {
        var batcher = Batcher(configuration: .init(maxCount: 2, maxBytes: 1000, linger: .seconds(1)))
        for item in 0..<5 { _ = batcher.submit(item, size: 10, now: Self.at(0)) }
        let actions = batcher.producerFailed(Aborted())
        var failed: [Int] = []
        for action in actions.dropLast() {
            guard case .complete(let items, .failed(let error)) = action, error is Aborted else { Issue.record("\(action)"); continue }
            failed += items
        }
        #expect(failed == [0, 1, 2, 3, 4])
        guard case .finished? = actions.last else { Issue.record("\(actions)"); return }
        #expect(!batcher.isTransactionInFlight && batcher.pendingCount == 0)
        guard case .reject(5, .shuttingDown)? = batcher.submit(5, size: 10, now: Self.at(1)).first else { Issue.record("intake must stop"); return }
        #expect(batcher.shutdown(now: Self.at(1)).isEmpty)
    }

    @Test func countBoundWeighsTheRecordsAnItemCarries() {
        var batcher = Batcher(configuration: .init(maxCount: 10, maxBytes: 1000, linger: .seconds(1)))
        #expect(Self.started(batcher.submit(1, count: 4, size: 10, now: Self.at(0))) == [])
        #expect(Self.started(batcher.submit(2, count: 5, size: 10, now: Self.at(0))) == [])
        // 4 + 5 + 3 > 10: [1, 2] goes; 3 opens the next batch and 4 fills it to exactly 10 records.
        #expect(Self.started(batcher.submit(3, count: 3, size: 10, now: Self.at(0))) == [[1, 2]])
        #expect(Self.started(batcher.submit(4, count: 7, size: 10, now: Self.at(0))) == [])
        #expect(Self.started(batcher.transactionCommitted(now: Self.at(1))) == [[3, 4]])
        // An item of more records than the bound travels alone.
        _ = batcher.submit(5, count: 1, size: 10, now: Self.at(1))
        _ = batcher.submit(6, count: 25, size: 10, now: Self.at(1))
        #expect(Self.started(batcher.transactionCommitted(now: Self.at(2))) == [[5]])
        #expect(Self.started(batcher.transactionCommitted(now: Self.at(3))) == [[6]])
    }

    @Test func oversizedItemTravelsAlone() {
        var batcher = Batcher(configuration: .init(maxCount: 10, maxBytes: 100, linger: .milliseconds(5)))
        _ = batcher.submit(1, size: 10, now: Self.at(0))
        #expect(Self.started(batcher.submit(2, size: 500, now: Self.at(1))) == [[1]])
        #expect(Self.started(batcher.transactionCommitted(now: Self.at(2))) == [[2]])
    }

    @Test func failureFailsEveryItemOfTheTransaction() {
        var batcher = Batcher(configuration: .init(maxCount: 2, maxBytes: 100, linger: .zero))
        #expect(Self.started(batcher.submit(1, size: 1, now: Self.at(0))) == [[1]])
        _ = batcher.submit(2, size: 1, now: Self.at(0))
        let actions = batcher.transactionFailed(Aborted(), now: Self.at(1))
        guard case .complete(let items, .failed(let error)) = actions.last else { Issue.record("\(actions)"); return }
        #expect(items == [1])
        #expect(error is Aborted)
        #expect(Self.started(actions) == [[2]])
    }

    @Test func shutdownFlushesTheOpenBatchThenFinishes() {
        var batcher = Batcher(configuration: .init(maxCount: 10, maxBytes: 100, linger: .seconds(1)))
        _ = batcher.submit(1, size: 1, now: Self.at(0))
        let actions = batcher.shutdown(now: Self.at(1))
        #expect(Self.started(actions) == [[1]])
        guard case .reject(3, .shuttingDown) = batcher.submit(3, size: 1, now: Self.at(2)).first else { Issue.record("not rejected"); return }
        let last = batcher.transactionCommitted(now: Self.at(3))
        guard last.count == 2, case .finished = last[1] else { Issue.record("\(last)"); return }
        #expect(batcher.shutdown(now: Self.at(4)).isEmpty)
    }

    @Test func idleShutdownFinishesAtOnce() {
        var batcher = Batcher()
        let actions = batcher.shutdown(now: Self.at(0))
        guard actions.count == 1, case .finished = actions[0] else { Issue.record("\(actions)"); return }
    }

    /// Random interleavings of submits, ticks, commits, failures and a shutdown: every item is answered
    /// exactly once, batches respect the bounds and keep submission order, one transaction at a time.
    @Test(arguments: 0..<200)
    func propertiesHoldUnderRandomSchedules(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let configuration = Batcher.Configuration(
            maxCount: Int.random(in: 1...8, using: &random),
            maxBytes: Int.random(in: 10...200, using: &random),
            linger: .milliseconds(Int.random(in: 0...20, using: &random))
        )
        var batcher = Batcher(configuration: configuration)
        var now = Self.start
        var answered: [Int: Int] = [:]
        var submitted: [Int] = []
        var sizes: [Int: Int] = [:]
        var counts: [Int: Int] = [:]
        var inFlight: [Int]?
        var reported: [Int]?
        var lastStarted = -1
        var finishedCount = 0
        var shutDown = false

        func apply(_ actions: [Batcher.Action]) {
            for action in actions {
                switch action {
                case .startTransaction(let items):
                    #expect(inFlight == nil, "two transactions in flight")
                    let records = items.reduce(0) { $0 + counts[$1]! }
                    #expect(!items.isEmpty && (records <= configuration.maxCount || items.count == 1), "batch of \(records) records")
                    let bytes = items.reduce(0) { $0 + sizes[$1]! }
                    #expect(bytes <= configuration.maxBytes || items.count == 1, "batch of \(bytes) bytes")
                    #expect(items.first! > lastStarted && items == items.sorted(), "submission order")
                    lastStarted = items.last!
                    inFlight = items
                case .complete(let items, _):
                    #expect(items == reported)
                    reported = nil
                    for item in items { answered[item, default: 0] += 1 }
                case .reject(let item, _):
                    #expect(shutDown)
                    answered[item, default: 0] += 1
                case .scheduleLinger(let deadline):
                    #expect(deadline >= now)
                case .finished:
                    finishedCount += 1
                }
            }
            // Nothing follows `.finished`; a transaction's answer follows the start of the next one.
            if let finished = actions.firstIndex(where: { if case .finished = $0 { true } else { false } }) {
                #expect(finished == actions.count - 1)
            }
            if let complete = actions.firstIndex(where: { if case .complete = $0 { true } else { false } }),
               let start = actions.firstIndex(where: { if case .startTransaction = $0 { true } else { false } }) {
                #expect(start < complete)
            }
        }

        func report(_ outcome: (inout Batcher) -> [Batcher.Action]) {
            reported = inFlight
            inFlight = nil
            apply(outcome(&batcher))
            #expect(reported == nil, "a reported transaction was not answered")
        }

        for step in 0..<400 {
            now = now.advanced(by: .microseconds(Int.random(in: 0...3_000, using: &random)))
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                let size = Int.random(in: 1...(configuration.maxBytes * 5 / 4), using: &random)
                let count = Int.random(in: 1...(configuration.maxCount + 1), using: &random)
                sizes[step] = size
                counts[step] = count
                submitted.append(step)
                apply(batcher.submit(step, count: count, size: size, now: now))
            case 5..<7:
                apply(batcher.tick(now: now))
            case 7, 8:
                if inFlight != nil { report { $0.transactionCommitted(now: now) } }
            default:
                if inFlight != nil { report { $0.transactionFailed(Aborted(), now: now) } }
            }
            if step == 300 {
                shutDown = true
                apply(batcher.shutdown(now: now))
            }
        }
        // Drain: the driver keeps answering transactions until the batcher finishes.
        var guardCount = 0
        while finishedCount == 0, guardCount < 10_000 {
            guardCount += 1
            now = now.advanced(by: .milliseconds(1))
            if inFlight != nil { report { $0.transactionCommitted(now: now) } } else { apply(batcher.tick(now: now)) }
        }
        #expect(finishedCount == 1)
        #expect(batcher.pendingCount == 0)
        #expect(answered.count == submitted.count && answered.values.allSatisfy { $0 == 1 })
    }
}
