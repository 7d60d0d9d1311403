import NIOCore

/// What the connection writes into its channel: encoded commands and the promise of their replies.
struct RedisRequest {
    var bytes: ByteBuffer
    /// How many replies the bytes will produce (the number of commands in a pipeline).
    var replyCount: Int
    /// Completed with the reply, or with `.array` of the replies when `replyCount > 1`.
    var promise: EventLoopPromise<RESPValue>
    /// For one command answered by an array of bulk strings (`MGET`): receives each element's
    /// bytes where they lie in the read buffer, on the event loop, and the promise is completed with
    /// `.null`. A reply of another shape (an error, say) completes the promise as usual.
    var elements: RESPElementReader? = nil
}

/// Receives the elements of an array reply of bulk strings: the index and the bytes (`nil` for a
/// null), valid during the call only. Called on the connection's event loop, before the command's
/// reply is returned.
package typealias RESPElementReader = @Sendable (Int, UnsafeRawBufferPointer?) -> Void

/// The channel handler of a Redis connection: writes requests, parses replies and matches them to
/// requests in order (Redis answers in order, which is what makes pipelining work).
///
/// - RESP3 push frames go to `onPush`, never to a request.
/// - A request not answered within the command timeout fails, and so does every later one: the
///   connection is closed, since a late reply would otherwise be matched to the wrong request. One
///   timer watches the oldest request.
/// - Bytes that are not RESP fail every outstanding request with a protocol error and close.
/// - When the connection closes, outstanding requests fail with `connectionFailed`.
///
/// Lives on the channel's event loop only.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Outstanding {
        var promise: EventLoopPromise<RESPValue>
        var remaining: Int
        var replies: [RESPValue]
        var deadline: NIODeadline
        var elements: RESPElementReader?
    }

    private let address: String
    private let commandTimeout: TimeAmount
    private let onPush: (@Sendable ([RESPValue]) -> Void)?
    private let parser = RESPParser()
    private var outstanding = CircularBuffer<Outstanding>(initialCapacity: 8)
    private var received: ByteBuffer?
    private var timer: Scheduled<Void>?
    /// Set once the connection can no longer be used; later requests fail at once.
    private var failure: RedisClientError?

    init(address: String, commandTimeout: TimeAmount, onPush: (@Sendable ([RESPValue]) -> Void)?) {
        self.address = address
        self.commandTimeout = commandTimeout
        self.onPush = onPush
    }

    // MARK: - Writing

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        let deadline = NIODeadline.now() + commandTimeout
        outstanding.append(
            Outstanding(
                promise: request.promise, remaining: request.replyCount, replies: [], deadline: deadline,
                elements: request.replyCount == 1 ? request.elements : nil))
        if timer == nil { scheduleTimer(context: context, at: deadline) }
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    // MARK: - Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil || received!.readableBytes == 0 {
            received = incoming
        } else {
            received!.writeBuffer(&incoming)
        }
        do {
            reading: while var buffer = received {
                // A reply the oldest command reads in place (`MGET`'s), if it is one.
                if let elements = outstanding.first?.elements {
                    switch parser.nextBulkStringArray(&buffer, elements) {
                    case nil:
                        break reading
                    case true?:
                        received = buffer
                        outstanding.removeFirst().promise.succeed(.null)
                        continue
                    case false?:
                        break
                    }
                }
                guard let frame = try parser.next(&buffer) else { break }
                received = buffer
                deliver(frame, context: context)
            }
            if let buffer = received, buffer.readableBytes == 0 { received = nil }
        } catch {
            fail(
                .protocolError(address: address, reason: "the server's reply is not RESP (\(error.reason))"),
                context: context)
        }
    }

    private func deliver(_ frame: RESPFrame, context: ChannelHandlerContext) {
        switch frame {
        case .push(let elements):
            onPush?(elements)
        case .reply(let value):
            guard !outstanding.isEmpty else {
                fail(
                    .protocolError(address: address, reason: "the server sent a reply no command asked for"),
                    context: context)
                return
            }
            let head = outstanding[outstanding.startIndex]
            if head.remaining == 1 && head.replies.isEmpty {
                let head = outstanding.removeFirst()
                head.promise.succeed(value)
            } else {
                outstanding[outstanding.startIndex].replies.append(value)
                outstanding[outstanding.startIndex].remaining -= 1
                if outstanding[outstanding.startIndex].remaining == 0 {
                    let head = outstanding.removeFirst()
                    head.promise.succeed(.array(head.replies))
                }
            }
            // The timer is left running when nothing is outstanding: it fires at most once per
            // command timeout and finds nothing to do, instead of being scheduled and cancelled per command.
        }
    }

    // MARK: - Timeouts

    private func scheduleTimer(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            loopBoundSelf.value.timerFired(context: loopBoundContext.value)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let head = outstanding.first else { return }
        if head.deadline <= .now() {
            let milliseconds = commandTimeout.nanoseconds / 1_000_000
            fail(
                .connectionFailed(address: address, reason: "no reply within \(milliseconds) ms (command timeout)"),
                context: context)
        } else {
            scheduleTimer(context: context, at: head.deadline)
        }
    }

    // MARK: - Failure

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionFailed(address: address, reason: "the connection was closed by the server or the network"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.connectionFailed(address: address, reason: "connection error: \(error)"), context: context)
    }

    private func fail(_ error: RedisClientError, context: ChannelHandlerContext) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisClientError) {
        if failure == nil { failure = error }
        timer?.cancel()
        timer = nil
        received = nil
        while let head = outstanding.popFirst() {
            head.promise.fail(error)
        }
    }
}
