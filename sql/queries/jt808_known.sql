-- What the JT/T 808 server checks a registration against: the vehicle registry's terminals, and the terminals
-- registered already (a second registration of one is refused until it logs out: its auth code is not handed out
-- again to whoever asks).
SELECT terminal_phone, 'vehicle' AS what FROM vehicle
UNION ALL
SELECT terminal_phone, 'registered' FROM jt808_terminal
