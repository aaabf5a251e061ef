INSERT INTO jt808_terminal (terminal_phone, protocol, province, city, maker, model, terminal_id, plate_color, plate,
                            source, registered_at)
VALUES (%(phone)s, %(protocol)s, %(province)s, %(city)s, %(maker)s, %(model)s, %(terminal_id)s, %(plate_color)s,
        %(plate)s, %(source)s, %(registered_at)s)
ON CONFLICT (terminal_phone) DO UPDATE SET
    protocol = EXCLUDED.protocol, province = EXCLUDED.province, city = EXCLUDED.city, maker = EXCLUDED.maker,
    model = EXCLUDED.model, terminal_id = EXCLUDED.terminal_id, plate_color = EXCLUDED.plate_color,
    plate = EXCLUDED.plate, source = EXCLUDED.source, registered_at = EXCLUDED.registered_at
