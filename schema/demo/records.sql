-- Demo voters' petitions for `make run` (deploy/run.sh applies this once,
-- when the demo council has none): one of each stage of the workflow, an
-- overdue one and a merged duplicate, so the records page, the dashboard
-- and the public archive have something to show. Not used by the tests.
DO $$
DECLARE
    cid bigint := (SELECT id FROM council WHERE slug = 'nhi-chieu');
    staff bigint := (SELECT id FROM person WHERE login = 'thuky');
    a bigint;
    b bigint;
    c bigint;
    d bigint;
BEGIN
    IF cid IS NULL OR EXISTS (SELECT 1 FROM petition WHERE council_id = cid) THEN
        RETURN;
    END IF;
    a := (rec_petition_add(staff, false, jsonb_build_object('council_id', cid,
        'source', 'meeting', 'meeting', 'Tiếp xúc cử tri trước kỳ họp, tổ dân phố 3',
        'received_on', (rec_today() - 40)::text, 'name', 'Trần Văn Bình', 'area', 'transport',
        'locality', 'Tổ dân phố 3', 'contact', '0912 345 678',
        'content', 'Đường ngõ 5 tổ dân phố 3 xuống cấp, nhiều ổ gà, đề nghị phường sớm sửa chữa.'))->>'id')::bigint;
    b := (rec_petition_add(staff, false, jsonb_build_object('council_id', cid,
        'source', 'meeting', 'meeting', 'Tiếp xúc cử tri trước kỳ họp, tổ dân phố 3',
        'received_on', (rec_today() - 40)::text, 'name', 'Lê Thị Hoa', 'area', 'transport',
        'locality', 'Tổ dân phố 3',
        'content', 'Đề nghị sửa đường ngõ 5 tổ 3, trời mưa ngập và trơn trượt.'))->>'id')::bigint;
    PERFORM rec_petition_act(staff, false, jsonb_build_object('id', b, 'action', 'merge',
        'into', a));
    PERFORM rec_petition_act(staff, false, jsonb_build_object('id', a, 'action', 'assign',
        'agency', 'UBND phường Nhị Chiểu', 'due_on', (rec_today() - 5)::text));
    c := (rec_petition_add(staff, false, jsonb_build_object('council_id', cid,
        'source', 'staff', 'received_on', (rec_today() - 60)::text, 'name', 'Phạm Văn Long',
        'area', 'land', 'locality', 'Tổ dân phố 7',
        'content', 'Việc cấp giấy chứng nhận quyền sử dụng đất đai cho các hộ tổ 7 còn chậm, đề nghị làm rõ nguyên nhân.'))->>'id')::bigint;
    PERFORM rec_petition_act(staff, false, jsonb_build_object('id', c, 'action', 'assign',
        'agency', 'Phòng Tài nguyên và Môi trường', 'due_on', (rec_today() - 20)::text));
    PERFORM rec_petition_act(staff, false, jsonb_build_object('id', c, 'action', 'answer',
        'answer', 'Đã rà soát 42 hồ sơ; 35 hồ sơ đã được cấp giấy chứng nhận, 7 hồ sơ đang bổ sung giấy tờ và sẽ hoàn thành trong quý I năm 2027.'));
    PERFORM rec_petition_act(staff, false, jsonb_build_object('id', c, 'action', 'publish'));
    d := (rec_petition_add(NULL, false, jsonb_build_object('council', 'nhi-chieu',
        'name', 'Nguyễn Thị Thu', 'contact', 'thu.nguyen@example.vn', 'area', 'environment',
        'locality', 'Tổ dân phố 1',
        'content', 'Điểm tập kết rác cạnh chợ tổ 1 gây ô nhiễm, đề nghị bố trí thu gom hằng ngày.'))->>'id')::bigint;
    PERFORM rec_petition_act(staff, false, jsonb_build_object('id', d, 'action', 'assign',
        'agency', 'Ban quản lý chợ', 'due_on', (rec_today() + 25)::text));
END $$;
