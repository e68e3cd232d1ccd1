"""The greeter functions on Apache Flink Stateful Functions' own Python SDK.

The reference side of the interoperability tests for `sluice/functions`: the
same functions are written in TypeScript, Sluice runs both through the
remote request-reply protocol (v3), and the tests compare what they emit.
Typenames and strings are part of that comparison: change them on both sides.

    python server.py PORT      # PORT 0: any free port

Serves `POST /statefun` on 127.0.0.1, prints one line `READY <port>` once it
listens, and exits cleanly on SIGTERM or SIGINT.

Environment: REMINDER_DELAY_MS (default 300), the person's reminder delay;
TTL_MS (default 400), how long `greeter.fns/ttl` keeps `seen` after a write.
"""

import asyncio
import json
import os
import signal
import sys
from datetime import timedelta

from aiohttp import web
from statefun import (
    IntType,
    LongType,
    RequestReplyHandler,
    StatefulFunctions,
    StringType,
    ValueSpec,
    egress_message_builder,
    kafka_egress_message,
    message_builder,
    simple_type,
)

REMINDER_DELAY_MS = int(os.environ.get("REMINDER_DELAY_MS", "300"))
TTL_MS = int(os.environ.get("TTL_MS", "400"))

Reminder = simple_type(
    "greeter.types/Reminder",
    serialize_fn=lambda obj: json.dumps(obj, separators=(",", ":")).encode("utf-8"),
    deserialize_fn=json.loads,
)

functions = StatefulFunctions()


@functions.bind("greeter.fns/person", specs=[ValueSpec(name="visits", type=IntType)])
async def person(context, message):
    user = context.address.id
    if message.is_type(Reminder):
        name = message.as_type(Reminder)["name"]
        context.send_egress(
            egress_message_builder(
                target_typename="greeter.io/reminders",
                value="come back soon, " + name,
                value_type=StringType,
            )
        )
        return
    if not message.is_string():
        raise TypeError("greeter.fns/person got a message of type " + message.value_typename())
    visits = (context.storage.visits or 0) + 1
    context.storage.visits = visits
    if visits == 1:
        context.send_after(
            timedelta(milliseconds=REMINDER_DELAY_MS),
            message_builder(
                target_typename="greeter.fns/person",
                target_id=user,
                value={"name": user},
                value_type=Reminder,
            ),
            cancellation_token="reminder-" + user,
        )
    else:
        context.cancel_delayed_message("reminder-" + user)
    context.send(message_builder(target_typename="greeter.fns/greeter", target_id=user, int_value=visits))


@functions.bind(
    "greeter.fns/greeter",
    specs=[ValueSpec(name="sent", type=LongType, expire_after_call=timedelta(hours=1))],
)
async def greeter(context, message):
    user = context.address.id
    if not message.is_int():
        raise TypeError("greeter.fns/greeter got a message of type " + message.value_typename())
    visits = message.as_int()
    sent = (context.storage.sent or 0) + 1
    context.storage.sent = sent
    if visits == 1:
        greeting = "Hello " + user + "!"
    else:
        greeting = "Hello again " + user + ", visit " + str(visits) + "!"
    # The caller: the person function's address (None when from an ingress).
    caller = context.caller
    greeting += " #" + str(sent) + " via " + caller.typename + ":" + caller.id
    context.send_egress(
        egress_message_builder(target_typename="greeter.io/greetings", value=greeting, value_type=StringType)
    )
    context.send_egress(kafka_egress_message(typename="greeter.io/kafka", topic="greetings", key=user, value=greeting))


@functions.bind(
    "greeter.fns/ttl",
    specs=[ValueSpec(name="seen", type=IntType, expire_after_write=timedelta(milliseconds=TTL_MS))],
)
async def ttl(context, message):
    user = context.address.id
    seen = (context.storage.seen or 0) + 1
    context.storage.seen = seen
    context.send_egress(
        egress_message_builder(target_typename="greeter.io/ttl", value=user + " " + str(seen), value_type=StringType)
    )


handler = RequestReplyHandler(functions)


async def statefun(request):
    reply = await handler.handle_async(await request.read())
    return web.Response(body=reply, content_type="application/octet-stream")


async def serve(port):
    app = web.Application()
    app.router.add_post("/statefun", statefun)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bound = runner.addresses[0][1]
    print("READY " + str(bound), flush=True)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: server.py PORT")
    asyncio.run(serve(int(sys.argv[1])))
