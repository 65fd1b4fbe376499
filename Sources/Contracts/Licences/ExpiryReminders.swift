public import Ledger

/// An expiry reminder (到期提醒) the chain recorded for a holder's licence, shown in the
/// holder's wallet view at `reminder/<holder hex>/<licence id>`.
public struct ExpiryReminder: Hashable, Sendable, CanonicalCodable {
    public var licenceID: String
    public var licenceType: String
    public var holder: Hash256
    public var validUntilMs: UInt64
    /// The block time at which the reminder was made.
    public var remindedAtMs: UInt64
    /// Whole days from `remindedAtMs` to `validUntilMs`, rounded down.
    public var daysLeft: UInt64
    public var height: UInt64

    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.encode(licenceID); encoder.encode(licenceType); encoder.encode(holder)
        encoder.encode(validUntilMs); encoder.encode(remindedAtMs); encoder.encode(daysLeft)
        encoder.encode(height)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        licenceID = try decoder.decodeName(); licenceType = try decoder.decodeName()
        holder = try decoder.decode(Hash256.self); validUntilMs = try decoder.decode(UInt64.self)
        remindedAtMs = try decoder.decode(UInt64.self); daysLeft = try decoder.decode(UInt64.self)
        height = try decoder.decode(UInt64.self)
    }

    init(_ licence: LicenceRecord, atMs timeMs: UInt64, height: UInt64) {
        licenceID = licence.id
        licenceType = licence.licenceType
        holder = licence.holder
        validUntilMs = licence.validUntilMs
        remindedAtMs = timeMs
        daysLeft = (licence.validUntilMs - min(timeMs, licence.validUntilMs)) / 86_400_000
        self.height = height
    }
}

/// The reminder sweep's position: the last minute whose due reminders were made.
public struct ReminderCursor: Hashable, Sendable, CanonicalCodable {
    public var minute: UInt64

    public init(minute: UInt64) { self.minute = minute }

    public func encode(to encoder: inout CanonicalEncoder) { encoder.encode(minute) }

    public init(from decoder: inout CanonicalDecoder) throws(CodecError) {
        minute = try decoder.decode(UInt64.self)
    }
}

enum ReminderKeys {
    /// The last minute (block time / 60 s) whose due reminders were made. Under `cursor/`,
    /// which keeps no history records: it moves every minute, and its trail would say
    /// nothing the reminder records do not.
    static let cursor = StateKey("cursor/reminders")
    static func due(minute: UInt64) -> StateKey {
        StateKey("idx/licence-expiry/\(paddedHex(minute))/")
    }
    static func due(minute: UInt64, licenceID: String) -> StateKey {
        StateKey("idx/licence-expiry/\(paddedHex(minute))/\(licenceID)")
    }
    static func holder(_ holder: Hash256) -> StateKey { StateKey("reminder/\(holder.hex)/") }
    static func reminder(_ holder: Hash256, _ licenceID: String) -> StateKey {
        StateKey("reminder/\(holder.hex)/\(licenceID)")
    }
}

/// Expiry reminders at block time. Issuing or renewing a licence of a type with a reminder
/// window files it under the minute its reminder falls due; at the end of every block the
/// executor makes the reminders of the minutes up to the block's time, in minute and then
/// licence-id order, so every node emits the same events and writes the same records.
///
/// The work per block is bounded: at most `maxMinutesPerBlock` minutes and, past
/// `maxRemindersPerBlock` reminders, no further minute is started (a started minute is
/// finished, so the cursor stays exact). A backlog (a chain idle for hours, a mass expiry)
/// is worked off over the following blocks.
enum ExpiryReminders {
    static let minuteMs: UInt64 = 60_000
    static let maxMinutesPerBlock: UInt64 = 60
    static let maxRemindersPerBlock = 1_024

    /// Files a licence's reminder, or makes it now when its window has already begun.
    static func schedule(
        _ licence: LicenceRecord, type: LicenceType, in context: inout ContractContext
    ) {
        guard type.reminderDays > 0 else { return }
        let dueMs = licence.validUntilMs - min(type.reminderMs, licence.validUntilMs)
        if dueMs <= context.blockTimeMs {
            guard context.blockTimeMs <= licence.validUntilMs else { return }
            let reminder = ExpiryReminder(
                licence, atMs: context.blockTimeMs, height: context.blockHeight)
            context.put(reminder, at: ReminderKeys.reminder(licence.holder, licence.id))
            context.emit(LicenceContract.name, "expiring", attributes(reminder))
            return
        }
        context.putBytes([], at: ReminderKeys.due(minute: dueMs / minuteMs, licenceID: licence.id))
    }

    static func attributes(_ reminder: ExpiryReminder) -> [(String, String)] {
        [
            ("licence", reminder.licenceID), ("type", reminder.licenceType),
            ("holder", reminder.holder.hex), ("validUntilMs", String(reminder.validUntilMs)),
            ("daysLeft", String(reminder.daysLeft)),
        ]
    }

    /// Makes the reminders due up to `timeMs`; returns their events. Entries whose licence
    /// is gone, no longer current or unreadable are dropped without a reminder (a corrupt
    /// record must not stall every later reminder).
    static func sweep(height: UInt64, timeMs: UInt64, overlay: Overlay) -> [Event] {
        let now = timeMs / minuteMs
        let cursorBytes = overlay.value(for: ReminderKeys.cursor)
        // A chain's first sweep starts at its current minute: nothing was filed before.
        var cursor = now
        if let cursorBytes, let stored = try? ReminderCursor(canonicalBytes: cursorBytes) {
            cursor = stored.minute
        }
        guard cursor < now else {
            if cursorBytes == nil {
                overlay.put(ReminderCursor(minute: now).canonicalBytes, for: ReminderKeys.cursor)
            }
            return []
        }
        var events: [Event] = []
        var minute = cursor
        while minute < now, minute - cursor < maxMinutesPerBlock,
            events.count < maxRemindersPerBlock
        {
            minute += 1
            for entry in overlay.entries(withPrefix: ReminderKeys.due(minute: minute)) {
                overlay.delete(entry.key)
                let licenceID = String(
                    decoding: entry.key.bytes.dropFirst(
                        ReminderKeys.due(minute: minute).bytes.count), as: UTF8.self)
                guard let bytes = overlay.value(for: LicenceKeys.licence(licenceID)),
                    let licence = try? LicenceRecord(canonicalBytes: bytes),
                    licence.status == .issued || licence.status == .suspended,
                    timeMs <= licence.validUntilMs
                else { continue }
                let reminder = ExpiryReminder(licence, atMs: timeMs, height: height)
                overlay.put(
                    reminder.canonicalBytes, for: ReminderKeys.reminder(licence.holder, licence.id))
                events.append(
                    Event(
                        contract: LicenceContract.name, type: "expiring",
                        attributes: attributes(reminder).map { EventAttribute($0.0, $0.1) }))
            }
        }
        overlay.put(ReminderCursor(minute: minute).canonicalBytes, for: ReminderKeys.cursor)
        return events
    }
}
