"""The greeter functions of examples/functions/greeter.ts, on Apache Flink
Stateful Functions' own Python SDK, served over HTTP for Sluice to run.

    python3 -m venv ~/statefun-venv    # anywhere outside examples/, which is packed
    ~/statefun-venv/bin/pip install -r examples/functions/python/requirements.txt
    ~/statefun-venv/bin/python examples/functions/python/greeter.py 8000

then, in another terminal:

    npx sluice run examples/functions/remote-greeter.ts

(from the root of Sluice; in a project that installed it, the files are in
node_modules/sluice/examples/functions/).

Serves `POST /statefun` (StateFun's request-reply protocol) on 127.0.0.1:PORT
(default 8000; 0 for any free port), prints one line `READY <port>` once it
listens, and exits on SIGTERM or Ctrl-C.

Environment: REMINDER_DELAY_MS (default 300), how long after a first visit
the person's "come back" reminder comes.
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
    message_builder,
    simple_type,
)

REMINDER_DELAY_MS = int(os.environ.get("REMINDER_DELAY_MS", "300"))

# What the reminder carries, as JSON: Sluice's jsonType writes the same bytes.
Reminder = simple_type(
    "greeter.types/Reminder",
    serialize_fn=lambda obj: json.dumps(obj, separators=(",", ":")).encode("utf-8"),
    deserialize_fn=json.loads,
)

functions = StatefulFunctions()


@functions.bind("greeter.fns/person", specs=[ValueSpec(name="visits", type=IntType)])
async def person(context, message):
    """A user: counts their visits, has them greeted, and reminds them to come back."""
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
        # A reminder to this very instance, unless a second visit cancels it first.
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
    """Composes the greeting; counts the greetings it sent (forgotten an hour after the last one)."""
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
    # The caller: the person's address (None for a message from the ingress).
    caller = context.caller
    greeting += " #" + str(sent) + " via " + caller.typename + ":" + caller.id
    context.send_egress(
        egress_message_builder(target_typename="greeter.io/greetings", value=greeting, value_type=StringType)
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
    print("READY " + str(runner.addresses[0][1]), flush=True)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: greeter.py [PORT]")
    asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) == 2 else 8000))
