SELECT username, role, agency, disabled FROM app_user ORDER BY username
