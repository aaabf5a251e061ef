DELETE FROM jt808_terminal WHERE terminal_phone = %(phone)s
