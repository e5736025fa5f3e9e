"""The Rasa server's channels: REST, socket.io and the messaging platforms.

Every message comes in through one pipeline (:mod:`bot.channels.inbound`): authenticated,
its body's nesting and shape checked (:mod:`bot.channels.payload`), redeliveries dropped,
its text cleaned and cut once, handled in the background where the platform wants a quick
200, and always answered, with the emergency guidance when the safety rules fire, even
when Rasa fails (:mod:`bot.channels.delivery`, :mod:`bot.channels.safety_net`). Each
platform module keeps only what is its own: the signature check, the payload's shape, the
send API (replies split to its length limit) and how buttons look there.
``bot.launch.channels`` enables the platforms from the environment.
"""
