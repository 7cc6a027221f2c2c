import Foundation

/// Finds the highest offered rate a pipeline sustains: grows the rate geometrically from the
/// highest rate sustained so far until one is not, then bisects (geometrically) between the two
/// until they are within `precision` of each other or the steps run out. Results measured
/// elsewhere (the fixed rates) seed it.
struct MaxRateSearch: Sendable, Hashable {
    /// Rate of the first step when nothing seeds the search.
    let start: Double
    /// Factor between steps while every rate so far was sustained.
    let growth: Double
    /// Stop when the lowest unsustained rate is within this factor above the highest sustained one.
    let precision: Double
    /// Never offer more than this.
    let ceiling: Double
    /// Steps this search may take itself (seeds are free).
    let maximumSteps: Int

    private(set) var steps = 0
    private(set) var sustainedRates: [Double] = []
    private(set) var unsustainedRates: [Double] = []

    init(start: Double = 500, growth: Double = 1.5, precision: Double = 1.1, ceiling: Double = 50_000, maximumSteps: Int) {
        self.start = start
        self.growth = growth
        self.precision = precision
        self.ceiling = ceiling
        self.maximumSteps = maximumSteps
    }

    /// The lowest rate the pipeline did not sustain.
    var lowestUnsustained: Double? { unsustainedRates.min() }

    /// The answer: the highest sustained rate below every unsustained one (a sustained rate above an
    /// unsustained one is measurement noise and does not count).
    var highestSustained: Double? {
        let limit = lowestUnsustained ?? .infinity
        return sustainedRates.filter { $0 < limit }.max()
    }

    /// Adds a result measured outside the search.
    mutating func seed(rate: Double, sustained: Bool) {
        if sustained { sustainedRates.append(rate) } else { unsustainedRates.append(rate) }
    }

    /// Adds the result of the rate `next()` proposed.
    mutating func record(rate: Double, sustained: Bool) {
        steps += 1
        seed(rate: rate, sustained: sustained)
    }

    /// The next rate to try, or nil when the search is done.
    func next() -> Double? {
        guard steps < maximumSteps else { return nil }
        let tried = Set(sustainedRates + unsustainedRates)
        let candidate: Double
        switch (highestSustained, lowestUnsustained) {
        case (nil, nil):
            candidate = Self.rounded(start)
        case (let low?, nil):
            guard low < ceiling else { return nil }
            candidate = Self.rounded(min(ceiling, low * growth))
        case (nil, let high?):
            candidate = Self.rounded(high / growth)
            guard candidate >= 10 else { return nil }
        case (let low?, let high?):
            guard high > low * precision else { return nil }
            candidate = Self.rounded((low * high).squareRoot())
        }
        return tried.contains(candidate) ? nil : candidate
    }

    /// Rates in steps of two significant figures (e.g. 1414 → 1400), so reports read cleanly.
    static func rounded(_ rate: Double) -> Double {
        guard rate >= 10 else { return 10 }
        let step = pow(10, (log10(rate)).rounded(.down) - 1)
        return (rate / step).rounded() * step
    }
}
