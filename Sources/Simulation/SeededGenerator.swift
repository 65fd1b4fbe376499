/// SplitMix64: a tiny, fast, seedable generator. Every random choice in a simulation
/// comes from one of these, so one seed replays one run exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// True with probability `perMille` / 1000.
    public mutating func chance(perMille: Int) -> Bool {
        perMille > 0 && Int.random(in: 0..<1000, using: &self) < perMille
    }

    /// A uniformly drawn value in the range.
    public mutating func draw(_ range: ClosedRange<UInt64>) -> UInt64 {
        UInt64.random(in: range, using: &self)
    }
}

/// A min-heap of timed simulation events; ties break by insertion order, so the run is
/// deterministic.
struct EventQueue<Element>: Sendable where Element: Sendable {
    /// The heap orders small keys only; elements (messages with whole blocks) stay put in
    /// `slots`, so sifting never copies them (copying them was a sixth of a run's time).
    private struct Key: Sendable {
        var timeMs: UInt64
        var sequence: UInt64
        var slot: Int

        func precedes(_ other: Key) -> Bool {
            (timeMs, sequence) < (other.timeMs, other.sequence)
        }
    }

    private var heap: [Key] = []
    private var slots: [Element?] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var nextTimeMs: UInt64? { heap.first?.timeMs }
    var count: Int { heap.count }

    mutating func push(_ element: Element, atMs timeMs: UInt64) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = element
        } else {
            slot = slots.count
            slots.append(element)
        }
        heap.append(Key(timeMs: timeMs, sequence: nextSequence, slot: slot))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (timeMs: UInt64, element: Element)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        guard let element = slots[top.slot] else { return nil }
        slots[top.slot] = nil
        freeSlots.append(top.slot)
        return (top.timeMs, element)
    }
}
