"""A sender retries over a channel that may lose messages (explicit choices).

The channel loses each message or delivers it (`env.maybe`), at most `losses` times
in all. The sender waits for an acknowledgement or a timeout and retries up to
`retries` times. Delivery is guaranteed only when retries >= losses: `-D losses=2`
breaks it.
"""

import rasmodel as rm

model = rm.Model("lossy-channel", params={"retries": 1, "losses": 1}, doc=__doc__)


@model.build
def build(env: rm.Env, retries: int, losses: int):
    channel = env.queue("channel")
    lost = env.var("lost", 0)
    delivered = env.var("delivered", 0)
    ack = env.event("ack")

    def sender():
        for attempt in range(retries + 1):
            channel.append(attempt)
            env.emit("send", attempt=attempt)
            result = yield ack | env.timeout(10)
            if ack in result:
                return
        env.emit("give_up")

    def link():
        while True:
            yield env.wait_until(lambda: len(channel) > 0, "message queued")
            attempt = channel.popleft()
            if lost.value < losses and env.maybe("lose"):
                lost.value += 1
                env.emit("lost", attempt=attempt)
                continue
            delivered.value += 1
            env.emit("delivered", attempt=attempt)
            if not ack.triggered:
                ack.succeed()

    env.process(sender(), name="sender")
    env.process(link(), name="link", daemon=True)
    return delivered


model.check(rm.eventually("delivered"), name="delivered")
model.check(rm.at_most_once("delivered"), name="delivered_once")
