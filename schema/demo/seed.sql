-- Demo data for `make run`: a ward council of 30 delegates, a secretary, an
-- administrator, and one upcoming session with a small agenda tree. Loaded by
-- `plenumd seed-demo` into an empty database only; passwords are set by
-- plenumd afterwards (scrypt), see server/demo.c.

INSERT INTO council (slug, name, level, total_seats)
VALUES ('nhi-chieu', 'Hội đồng nhân dân phường Nhị Chiểu', 'commune', 30);

INSERT INTO person (login, display_name, is_admin) VALUES
    ('quantri', 'Quản trị hệ thống', true),
    ('chutich', 'Nguyễn Văn Thành', false),
    ('phochutich', 'Trần Thị Lan', false),
    ('thuky', 'Phạm Thu Hà', false);

INSERT INTO person (login, display_name)
SELECT format('daibieu%s', lpad(n::text, 2, '0')), name
FROM unnest(ARRAY[
    'Lê Minh Tuấn', 'Hoàng Thị Mai', 'Vũ Đức Anh', 'Đặng Thị Hương', 'Bùi Quang Huy',
    'Đỗ Thị Ngọc', 'Hồ Văn Nam', 'Ngô Thị Thảo', 'Dương Văn Long', 'Lý Thị Hạnh',
    'Phan Văn Dũng', 'Võ Thị Kim Oanh', 'Trịnh Công Sơn', 'Đinh Thị Phượng', 'Mai Văn Khánh',
    'Tô Thị Bích', 'Lương Văn Quý', 'Cao Thị Yến', 'Tạ Minh Đức', 'Châu Thị Ánh',
    'Lâm Văn Phúc', 'Kiều Thị Loan', 'Quách Văn Tài', 'Thái Thị Nhung', 'Hà Văn Thắng',
    'Doãn Thị Xuân', 'Nông Văn Bảo', 'Âu Thị Diệu'
]) WITH ORDINALITY AS t(name, k), LATERAL (SELECT (k + 2)::int AS n) s;

INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no, title)
SELECT c.id, p.id, 'chair', true, 1, 'Chủ tịch HĐND phường'
FROM council c, person p WHERE c.slug = 'nhi-chieu' AND p.login = 'chutich';
INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no, title)
SELECT c.id, p.id, 'vice_chair', true, 2, 'Phó Chủ tịch HĐND phường'
FROM council c, person p WHERE c.slug = 'nhi-chieu' AND p.login = 'phochutich';
INSERT INTO membership (council_id, person_id, role, is_delegate, title)
SELECT c.id, p.id, 'secretary', false, 'Thư ký kỳ họp'
FROM council c, person p WHERE c.slug = 'nhi-chieu' AND p.login = 'thuky';
INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no, title)
SELECT c.id, p.id, 'delegate', true, substr(p.login, 8)::int, 'Đại biểu HĐND phường'
FROM council c, person p WHERE c.slug = 'nhi-chieu' AND p.login LIKE 'daibieu%';

INSERT INTO session (council_id, number, title, kind, location, planned_start)
SELECT id, 5, 'Kỳ họp thứ Năm, HĐND phường Nhị Chiểu khóa I, nhiệm kỳ 2026–2031', 'regular',
       'Hội trường UBND phường Nhị Chiểu',
       date_trunc('day', now()) + interval '7 days 8 hours'
FROM council WHERE slug = 'nhi-chieu';

INSERT INTO sitting (session_id, ordinal, title, planned_start)
SELECT s.id, o, t, s.planned_start + (o - 1) * interval '5 hours 30 minutes'
FROM session s, (VALUES (1, 'Phiên khai mạc và thảo luận (buổi sáng)'),
                        (2, 'Phiên chất vấn và bế mạc (buổi chiều)')) v(o, t)
WHERE s.number = 5;

-- The agenda tree: top-level items, then their children.
INSERT INTO agenda_item (session_id, position, title, presenter)
SELECT s.id, v.pos, v.title, v.presenter
FROM session s, (VALUES
    (1, 'Khai mạc kỳ họp', 'Chủ tịch HĐND phường'),
    (2, 'Báo cáo và tờ trình', NULL),
    (3, 'Chất vấn và trả lời chất vấn', 'Chủ tọa kỳ họp'),
    (4, 'Xem xét, thông qua các nghị quyết', NULL),
    (5, 'Bế mạc kỳ họp', 'Chủ tịch HĐND phường')) v(pos, title, presenter)
WHERE s.number = 5;

INSERT INTO agenda_item (session_id, parent_id, position, title, presenter)
SELECT p.session_id, p.id, v.pos, v.title, v.presenter
FROM agenda_item p, (VALUES
    (2, 1, 'Báo cáo tình hình kinh tế - xã hội năm 2026, phương hướng nhiệm vụ năm 2027',
        'Chủ tịch UBND phường'),
    (2, 2, 'Báo cáo thẩm tra của Ban Kinh tế - Ngân sách', 'Trưởng Ban Kinh tế - Ngân sách'),
    (2, 3, 'Báo cáo tổng hợp ý kiến, kiến nghị của cử tri', 'Chủ tịch Ủy ban MTTQ phường'),
    (4, 1, 'Nghị quyết về dự toán ngân sách phường năm 2027', 'Chủ tịch UBND phường'),
    (4, 2, 'Nghị quyết về kế hoạch đầu tư công năm 2027', 'Phó Chủ tịch UBND phường'),
    (4, 3, 'Nghị quyết về chương trình giám sát năm 2027', 'Phó Chủ tịch HĐND phường'))
    v(parent_pos, pos, title, presenter)
WHERE p.parent_id IS NULL AND p.position = v.parent_pos;

-- An online voter-contact meeting before the session (011_meetings.sql):
-- the public page /meeting/?id=1 lets anyone join it.
INSERT INTO voter_meeting (council_id, title, location, planned_start, capacity)
SELECT s.council_id, 'Tiếp xúc cử tri trực tuyến trước Kỳ họp thứ năm',
       'Nhà văn hoá khu phố 2 và trực tuyến', s.planned_start - interval '7 days', 300
FROM session s WHERE s.number = 5;
