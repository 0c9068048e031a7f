"""Demo procedures and dossiers for Nam Định, shaped after the seed article's figures.

The catalogue holds real procedure names of the departments' fields (codes and dates are illustrative):
about 70% fully online, the rest partly online or offline, some raised to full online after Decree
42/2022 took effect on 15 August 2022. The dossiers are received from 1 January to 31 August 2023;
at the article's 183,600 they give 175,080 processed, 99.84% of them on time or early.

Every catalogue write goes through `procedure_save` and every dossier through `dossiers_import`, as the
demo one-stop system, so the demo exercises the same paths as real data. Running it again changes nothing.
"""

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate, islice

from departments.demo import DEMO_DOSSIER_SOURCE, NAM_DINH_COMMUNES
from departments.models import ApiKey
from departments.policy import Actor

from .computed import computed_indicators_refresh
from .ingest import dossiers_import
from .models import Dossier, OnlineLevel, Procedure, ProcedureField
from .services import procedure_save

SOURCE = DEMO_DOSSIER_SOURCE  # recorded on the demo key, which may push only its own source
SEED = 20230831
BATCH = 10_000
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2023, 8, 31)
DAY = 24 * 60  # dossier times are minutes from FIRST_DAY 00:00, Vietnam time (UTC+7, no summer time)
DAYS_RECEIVING = (LAST_DAY - FIRST_DAY).days + 1
LAST_MINUTE = DAYS_RECEIVING * DAY - 1
ISO_DAYS = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(DAYS_RECEIVING + 60)]
SHORT_DAYS = [(FIRST_DAY + timedelta(days=n)).strftime("%y%m%d") for n in range(DAYS_RECEIVING)]
DECREE_42_DAY = date(2022, 8, 15)
# The article, to August 2023: 183,600 received, 175,080 processed, 99.84% of them on time or early.
ARTICLE_RECEIVED, ARTICLE_PROCESSED, ARTICLE_ON_TIME = 183_600, 175_080, 0.9984
FULL_ONLINE_SHARE, PARTIAL_SHARE = 0.70, 0.22
ABOLISHED = 6  # a few procedures abolished at the start of 2024, so past coverage differs from today's
P, D, C = "province", "district", "commune"

# department: [(field code, field name, legal basis, weight of dossiers, [(levels, [names])])]
CATALOGUE = {
    "T36-STP": [
        ("G09-TP01", "Lý lịch tư pháp", "Luật Lý lịch tư pháp năm 2009; Nghị định 111/2010/NĐ-CP", 6, [
            ([P], [
                "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
                "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng",
                "Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, tổ chức chính trị, tổ chức chính trị - xã hội",
            ]),
        ]),
        ("G09-TP02", "Chứng thực", "Nghị định 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực", 8, [
            ([D, C], [
                "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp",
                "Chứng thực chữ ký trong các giấy tờ, văn bản",
                "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
                "Chứng thực hợp đồng, giao dịch liên quan đến thực hiện quyền của người sử dụng đất",
                "Chứng thực hợp đồng, giao dịch về nhà ở",
                "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
                "Sửa lỗi sai sót trong hợp đồng, giao dịch",
                "Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực",
                "Chứng thực di chúc",
                "Chứng thực văn bản thỏa thuận phân chia di sản",
                "Chứng thực văn bản khai nhận di sản",
                "Chứng thực văn bản từ chối nhận di sản",
                "Cấp bản sao từ sổ gốc",
            ]),
            ([D], [
                "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của nước ngoài cấp",
                "Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật",
                "Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật",
            ]),
        ]),
        ("G09-TP03", "Hộ tịch", "Luật Hộ tịch năm 2014; Nghị định 123/2015/NĐ-CP", 10, [
            ([C], [
                "Đăng ký khai sinh",
                "Đăng ký kết hôn",
                "Đăng ký nhận cha, mẹ, con",
                "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
                "Đăng ký khai tử",
                "Đăng ký khai sinh lưu động",
                "Đăng ký kết hôn lưu động",
                "Đăng ký khai tử lưu động",
                "Đăng ký giám hộ",
                "Đăng ký chấm dứt giám hộ",
                "Thay đổi, cải chính, bổ sung thông tin hộ tịch",
                "Cấp Giấy xác nhận tình trạng hôn nhân",
                "Đăng ký lại khai sinh",
                "Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân",
                "Đăng ký lại kết hôn",
                "Đăng ký lại khai tử",
                "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
                "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất",
            ]),
            ([D], [
                "Đăng ký khai sinh có yếu tố nước ngoài",
                "Đăng ký kết hôn có yếu tố nước ngoài",
                "Đăng ký khai tử có yếu tố nước ngoài",
                "Đăng ký nhận cha, mẹ, con có yếu tố nước ngoài",
                "Đăng ký giám hộ có yếu tố nước ngoài",
                "Thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc",
                "Ghi vào Sổ hộ tịch việc kết hôn của công dân Việt Nam đã được giải quyết ở nước ngoài",
                "Ghi vào Sổ hộ tịch việc ly hôn, hủy việc kết hôn đã được giải quyết ở nước ngoài",
                "Ghi vào Sổ hộ tịch việc hộ tịch khác của công dân Việt Nam đã được giải quyết ở nước ngoài",
            ]),
            ([D, C], ["Cấp bản sao Trích lục hộ tịch"]),
        ]),
        ("G09-TP04", "Công chứng", "Luật Công chứng năm 2014; Nghị định 29/2015/NĐ-CP", 1, [
            ([P], [
                "Đăng ký tập sự hành nghề công chứng",
                "Thành lập Văn phòng công chứng",
                "Đăng ký hoạt động Văn phòng công chứng",
                "Đăng ký hành nghề và cấp Thẻ công chứng viên",
                "Cấp lại Thẻ công chứng viên",
                "Thay đổi nội dung đăng ký hoạt động của Văn phòng công chứng",
                "Chuyển nhượng Văn phòng công chứng",
                "Hợp nhất Văn phòng công chứng",
                "Sáp nhập Văn phòng công chứng",
            ]),
        ]),
        ("G09-TP05", "Luật sư", "Luật Luật sư năm 2006, sửa đổi năm 2012", 1, [
            ([P], [
                "Đăng ký hoạt động của tổ chức hành nghề luật sư",
                "Thay đổi nội dung đăng ký hoạt động của tổ chức hành nghề luật sư",
                "Đăng ký hoạt động của chi nhánh của tổ chức hành nghề luật sư",
                "Đăng ký hành nghề luật sư với tư cách cá nhân",
                "Hợp nhất công ty luật",
                "Sáp nhập công ty luật",
                "Chuyển đổi văn phòng luật sư thành công ty luật",
            ]),
        ]),
        ("G09-TP06", "Trợ giúp pháp lý", "Luật Trợ giúp pháp lý năm 2017", 1, [
            ([P], [
                "Yêu cầu trợ giúp pháp lý",
                "Rút yêu cầu trợ giúp pháp lý của người được trợ giúp pháp lý",
                "Lựa chọn, thay đổi người thực hiện trợ giúp pháp lý",
                "Đăng ký tham gia thực hiện trợ giúp pháp lý",
                "Cấp thẻ cộng tác viên trợ giúp pháp lý",
            ]),
        ]),
        ("G09-TP07", "Đấu giá tài sản", "Luật Đấu giá tài sản năm 2016", 1, [
            ([P], [
                "Đăng ký hoạt động của doanh nghiệp đấu giá tài sản",
                "Thay đổi nội dung đăng ký hoạt động của doanh nghiệp đấu giá tài sản",
                "Đăng ký hoạt động của chi nhánh doanh nghiệp đấu giá tài sản",
                "Phê duyệt đủ điều kiện thực hiện hình thức đấu giá trực tuyến",
            ]),
        ]),
        ("G09-TP08", "Giám định tư pháp", "Luật Giám định tư pháp năm 2012, sửa đổi năm 2020", 1, [
            ([P], [
                "Bổ nhiệm giám định viên tư pháp",
                "Miễn nhiệm giám định viên tư pháp",
                "Cấp phép thành lập Văn phòng giám định tư pháp",
                "Đăng ký hoạt động Văn phòng giám định tư pháp",
            ]),
        ]),
        ("G09-TP09", "Quốc tịch", "Luật Quốc tịch Việt Nam năm 2008; Nghị định 16/2020/NĐ-CP", 1, [
            ([P], [
                "Nhập quốc tịch Việt Nam",
                "Trở lại quốc tịch Việt Nam",
                "Thôi quốc tịch Việt Nam",
                "Cấp Giấy xác nhận có quốc tịch Việt Nam",
                "Cấp Giấy xác nhận là người gốc Việt Nam",
            ]),
        ]),
        ("G09-TP10", "Hòa giải ở cơ sở", "Luật Hòa giải ở cơ sở năm 2013", 1, [
            ([C], [
                "Công nhận hòa giải viên",
                "Công nhận tổ trưởng tổ hòa giải",
                "Thôi làm hòa giải viên",
                "Thanh toán thù lao cho hòa giải viên",
            ]),
        ]),
        ("G09-TP11", "Bồi thường nhà nước", "Luật Trách nhiệm bồi thường của Nhà nước năm 2017", 1, [
            ([P, D, C], ["Giải quyết yêu cầu bồi thường tại cơ quan trực tiếp quản lý người thi hành công vụ"]),
            ([P, D], ["Phục hồi danh dự"]),
        ]),
        ("G09-TP12", "Phổ biến, giáo dục pháp luật", "Luật Phổ biến, giáo dục pháp luật năm 2012", 1, [
            ([C], ["Công nhận tuyên truyền viên pháp luật", "Cho thôi làm tuyên truyền viên pháp luật"]),
        ]),
    ],
    "T36-SKHDT": [
        ("G11-KH01", "Thành lập và hoạt động của doanh nghiệp", "Luật Doanh nghiệp năm 2020; Nghị định 01/2021/NĐ-CP",
         6, [
             ([P], [
                 "Đăng ký thành lập doanh nghiệp tư nhân",
                 "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
                 "Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên",
                 "Đăng ký thành lập công ty cổ phần",
                 "Đăng ký thành lập công ty hợp danh",
                 "Đăng ký thay đổi địa chỉ trụ sở chính của doanh nghiệp",
                 "Đăng ký đổi tên doanh nghiệp",
                 "Đăng ký thay đổi thành viên hợp danh",
                 "Đăng ký thay đổi người đại diện theo pháp luật của công ty trách nhiệm hữu hạn, công ty cổ phần",
                 "Đăng ký thay đổi vốn điều lệ, tỷ lệ vốn góp",
                 "Đăng ký thay đổi thành viên công ty trách nhiệm hữu hạn hai thành viên trở lên",
                 "Đăng ký thay đổi chủ sở hữu công ty trách nhiệm hữu hạn một thành viên",
                 "Đăng ký thay đổi chủ doanh nghiệp tư nhân",
                 "Thông báo thay đổi ngành, nghề kinh doanh",
                 "Thông báo thay đổi thông tin cổ đông sáng lập công ty cổ phần chưa niêm yết",
                 "Thông báo thay đổi thông tin người quản lý doanh nghiệp, thông tin người đại diện theo ủy quyền",
                 "Đăng ký hoạt động chi nhánh, văn phòng đại diện, thông báo lập địa điểm kinh doanh",
                 "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo",
                 "Chấm dứt hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh doanh",
                 "Giải thể doanh nghiệp",
                 "Cấp lại Giấy chứng nhận đăng ký doanh nghiệp",
                 "Hiệu đính thông tin đăng ký doanh nghiệp",
                 "Cập nhật, bổ sung thông tin trong hồ sơ đăng ký doanh nghiệp",
                 "Chuyển đổi doanh nghiệp tư nhân thành công ty trách nhiệm hữu hạn, công ty cổ phần",
                 "Chuyển đổi công ty trách nhiệm hữu hạn thành công ty cổ phần và ngược lại",
                 "Đăng ký doanh nghiệp đối với các công ty được thành lập trên cơ sở chia, tách, hợp nhất",
                 "Đăng ký thành lập doanh nghiệp xã hội",
                 "Đăng ký thành lập doanh nghiệp trên cơ sở chuyển đổi từ hộ kinh doanh",
                 "Cung cấp thông tin về nội dung đăng ký doanh nghiệp",
             ]),
         ]),
        ("G11-KH02", "Đầu tư tại Việt Nam", "Luật Đầu tư năm 2020; Nghị định 31/2021/NĐ-CP", 1, [
            ([P], [
                "Chấp thuận chủ trương đầu tư của Ủy ban nhân dân cấp tỉnh",
                "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
                "Điều chỉnh tên dự án đầu tư, tên và địa chỉ nhà đầu tư trong Giấy chứng nhận đăng ký đầu tư",
                "Điều chỉnh dự án đầu tư trong trường hợp chia, tách, sáp nhập dự án đầu tư",
                "Chuyển nhượng dự án đầu tư",
                "Gia hạn thời hạn hoạt động của dự án đầu tư",
                "Ngừng hoạt động của dự án đầu tư",
                "Chấm dứt hoạt động của dự án đầu tư",
                "Cấp lại Giấy chứng nhận đăng ký đầu tư",
                "Góp vốn, mua cổ phần, mua phần vốn góp của nhà đầu tư nước ngoài",
                "Thành lập văn phòng điều hành của nhà đầu tư nước ngoài trong hợp đồng BCC",
                "Điều chỉnh vốn đầu tư của dự án đầu tư",
                "Cung cấp thông tin về dự án đầu tư",
            ]),
        ]),
        ("G11-KH03", "Thành lập và hoạt động của hợp tác xã", "Luật Hợp tác xã năm 2012; Nghị định 193/2013/NĐ-CP",
         1, [
             ([P], [
                 "Đăng ký thành lập liên hiệp hợp tác xã",
                 "Đăng ký thay đổi nội dung đăng ký liên hiệp hợp tác xã",
                 "Giải thể tự nguyện liên hiệp hợp tác xã",
             ]),
             ([D], [
                 "Đăng ký thành lập hợp tác xã",
                 "Đăng ký thay đổi tên, địa chỉ trụ sở chính, ngành nghề, vốn điều lệ của hợp tác xã",
                 "Tạm ngừng hoạt động của hợp tác xã",
                 "Giải thể tự nguyện hợp tác xã",
                 "Cấp lại giấy chứng nhận đăng ký hợp tác xã",
                 "Đăng ký thành lập chi nhánh, văn phòng đại diện, địa điểm kinh doanh của hợp tác xã",
             ]),
         ]),
        ("G11-KH04", "Đấu thầu", "Luật Đấu thầu năm 2013; Nghị định 63/2014/NĐ-CP", 1, [
            ([P], [
                "Thẩm định kế hoạch lựa chọn nhà thầu",
                "Giải quyết kiến nghị về kết quả lựa chọn nhà thầu",
                "Thẩm định danh mục dự án đầu tư có sử dụng đất cần lựa chọn nhà đầu tư",
            ]),
        ]),
        ("G11-KH05", "Thành lập và hoạt động của hộ kinh doanh", "Nghị định 01/2021/NĐ-CP về đăng ký doanh nghiệp",
         4, [
             ([D], [
                 "Đăng ký thành lập hộ kinh doanh",
                 "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
                 "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
                 "Chấm dứt hoạt động hộ kinh doanh",
                 "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh",
             ]),
         ]),
    ],
    "T36-STTTT": [
        ("G13-TT01", "Xuất bản, in và phát hành", "Luật Xuất bản năm 2012; Nghị định 195/2013/NĐ-CP", 1, [
            ([P], [
                "Cấp giấy phép xuất bản tài liệu không kinh doanh",
                "Cấp giấy phép hoạt động in",
                "Cấp lại giấy phép hoạt động in",
                "Cấp đổi giấy phép hoạt động in",
                "Cấp giấy phép in gia công xuất bản phẩm cho nước ngoài",
                "Đăng ký hoạt động cơ sở in",
                "Thay đổi thông tin đăng ký hoạt động cơ sở in",
                "Cấp giấy phép nhập khẩu xuất bản phẩm không kinh doanh",
                "Cấp giấy xác nhận đăng ký hoạt động phát hành xuất bản phẩm",
                "Cấp giấy phép tổ chức triển lãm, hội chợ xuất bản phẩm",
                "Đăng ký sử dụng máy photocopy màu, máy in có chức năng photocopy màu",
                "Chuyển nhượng máy photocopy màu",
            ]),
        ]),
        ("G13-TT02", "Báo chí", "Luật Báo chí năm 2016", 1, [
            ([P], [
                "Cho phép họp báo (trong nước)",
                "Cho phép họp báo (nước ngoài)",
                "Cấp giấy phép xuất bản bản tin (trong nước)",
                "Văn bản chấp thuận thay đổi nội dung ghi trong giấy phép xuất bản bản tin",
                "Trưng bày tranh, ảnh và các hình thức thông tin khác bên ngoài trụ sở cơ quan đại diện nước ngoài",
            ]),
        ]),
        ("G13-TT03", "Phát thanh, truyền hình và thông tin điện tử", "Nghị định 72/2013/NĐ-CP; Nghị định 27/2018/NĐ-CP",
         1, [
             ([P], [
                 "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp",
                 "Sửa đổi, bổ sung giấy phép thiết lập trang thông tin điện tử tổng hợp",
                 "Gia hạn giấy phép thiết lập trang thông tin điện tử tổng hợp",
                 "Cấp lại giấy phép thiết lập trang thông tin điện tử tổng hợp",
                 "Thông báo thay đổi chủ sở hữu, địa chỉ trụ sở chính của tổ chức có trang thông tin tổng hợp",
             ]),
             ([P, D], [
                 "Cấp giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử công cộng",
                 "Sửa đổi, bổ sung giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử",
                 "Gia hạn giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử công cộng",
             ]),
         ]),
        ("G13-TT04", "Bưu chính", "Luật Bưu chính năm 2010; Nghị định 47/2011/NĐ-CP", 1, [
            ([P], [
                "Cấp giấy phép bưu chính",
                "Sửa đổi, bổ sung giấy phép bưu chính",
                "Cấp lại giấy phép bưu chính khi hết hạn",
                "Cấp văn bản xác nhận thông báo hoạt động bưu chính",
                "Cấp lại văn bản xác nhận thông báo hoạt động bưu chính",
            ]),
        ]),
        ("G13-TT05", "Viễn thông và Internet", "Luật Viễn thông năm 2009", 1, [
            ([P], [
                "Thông báo cung cấp dịch vụ viễn thông công cộng trên địa bàn tỉnh",
                "Chấp thuận xây dựng công trình hạ tầng kỹ thuật viễn thông thụ động",
            ]),
        ]),
    ],
    "T36-SNV": [
        ("G10-NV01", "Tổ chức hành chính, đơn vị sự nghiệp công lập", "Nghị định 120/2020/NĐ-CP", 1, [
            ([P], [
                "Thẩm định thành lập đơn vị sự nghiệp công lập",
                "Thẩm định tổ chức lại đơn vị sự nghiệp công lập",
                "Thẩm định giải thể đơn vị sự nghiệp công lập",
                "Thẩm định thành lập tổ chức hành chính",
            ]),
        ]),
        ("G10-NV02", "Công chức, viên chức", "Nghị định 138/2020/NĐ-CP; Nghị định 115/2020/NĐ-CP", 1, [
            ([P], [
                "Thi tuyển công chức",
                "Xét tuyển công chức",
                "Tiếp nhận vào làm công chức",
                "Thi tuyển viên chức",
                "Xét tuyển viên chức",
                "Thi nâng ngạch công chức",
                "Xét thăng hạng chức danh nghề nghiệp viên chức",
                "Xét chuyển cán bộ, công chức cấp xã thành công chức từ cấp huyện trở lên",
            ]),
        ]),
        ("G10-NV03", "Tín ngưỡng, tôn giáo", "Luật Tín ngưỡng, tôn giáo năm 2016; Nghị định 162/2017/NĐ-CP", 1, [
            ([P], [
                "Đăng ký hoạt động tôn giáo cho tổ chức có địa bàn hoạt động ở nhiều huyện",
                "Đề nghị tổ chức đại hội của tổ chức tôn giáo",
                "Đề nghị tổ chức cuộc lễ ngoài cơ sở tôn giáo, địa điểm hợp pháp đã đăng ký",
                "Đề nghị giảng đạo ngoài địa bàn phụ trách, cơ sở tôn giáo",
                "Đăng ký thuyên chuyển chức sắc, chức việc, nhà tu hành",
            ]),
            ([D], [
                "Đăng ký sinh hoạt tôn giáo tập trung",
                "Đề nghị thay đổi địa điểm sinh hoạt tôn giáo tập trung",
                "Thông báo tổ chức quyên góp trong địa bàn một huyện",
            ]),
            ([C], [
                "Đăng ký hoạt động tín ngưỡng",
                "Đăng ký bổ sung hoạt động tín ngưỡng",
                "Đăng ký người đại diện hoặc ban quản lý cơ sở tín ngưỡng",
                "Thông báo tổ chức lễ hội tín ngưỡng",
            ]),
        ]),
        ("G10-NV04", "Thi đua, khen thưởng", "Luật Thi đua, khen thưởng năm 2022; Nghị định 98/2023/NĐ-CP", 2, [
            ([P], [
                "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh",
                "Tặng Cờ thi đua của Ủy ban nhân dân cấp tỉnh",
                "Tặng danh hiệu Chiến sĩ thi đua cấp tỉnh",
                "Tặng danh hiệu Tập thể lao động xuất sắc",
                "Tặng Bằng khen cấp tỉnh theo đợt hoặc chuyên đề",
                "Tặng Bằng khen cấp tỉnh cho gia đình",
            ]),
            ([D], [
                "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp huyện",
                "Tặng danh hiệu Lao động tiên tiến",
                "Tặng danh hiệu Chiến sĩ thi đua cơ sở",
            ]),
            ([C], [
                "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã",
                "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã cho gia đình",
            ]),
        ]),
        ("G10-NV05", "Văn thư, lưu trữ", "Luật Lưu trữ năm 2011", 1, [
            ([P], [
                "Phục vụ việc sử dụng tài liệu của độc giả tại phòng đọc",
                "Cấp bản sao và chứng thực tài liệu lưu trữ",
                "Cấp, cấp lại chứng chỉ hành nghề lưu trữ",
            ]),
        ]),
        ("G10-NV06", "Tổ chức phi chính phủ", "Nghị định 45/2010/NĐ-CP; Nghị định 93/2019/NĐ-CP", 1, [
            ([P], [
                "Công nhận ban vận động thành lập hội",
                "Thành lập hội",
                "Phê duyệt điều lệ hội",
                "Chia, tách; sáp nhập; hợp nhất hội",
                "Đổi tên hội",
                "Hội tự giải thể",
                "Báo cáo tổ chức đại hội nhiệm kỳ, đại hội bất thường của hội",
                "Cấp giấy phép thành lập và công nhận điều lệ quỹ",
                "Công nhận quỹ đủ điều kiện hoạt động và công nhận thành viên hội đồng quản lý quỹ",
                "Đổi tên quỹ",
                "Quỹ tự giải thể",
            ]),
        ]),
        ("G10-NV07", "Chính quyền địa phương", "Luật Tổ chức chính quyền địa phương năm 2015", 1, [
            ([P], ["Thành lập thôn mới, tổ dân phố mới", "Phân loại đơn vị hành chính cấp xã"]),
        ]),
    ],
    "T36-STC": [
        ("G08-TC01", "Quản lý công sản", "Luật Quản lý, sử dụng tài sản công năm 2017; Nghị định 151/2017/NĐ-CP", 1, [
            ([P], [
                "Quyết định mua sắm tài sản công trong trường hợp không phải lập thành dự án đầu tư",
                "Quyết định thuê tài sản phục vụ hoạt động của cơ quan, tổ chức, đơn vị",
                "Quyết định điều chuyển tài sản công",
                "Quyết định bán tài sản công",
                "Quyết định thanh lý tài sản công",
                "Quyết định tiêu hủy tài sản công",
                "Quyết định xử lý tài sản công trong trường hợp bị mất, bị hủy hoại",
                "Phê duyệt đề án sử dụng tài sản công tại đơn vị sự nghiệp công lập vào mục đích kinh doanh, cho thuê",
                "Xác lập quyền sở hữu toàn dân đối với tài sản do tổ chức, cá nhân tự nguyện chuyển giao",
            ]),
            ([D], ["Quyết định thanh lý tài sản công cấp huyện", "Quyết định điều chuyển tài sản công cấp huyện"]),
            ([P, D], ["Quyết định thu hồi tài sản công"]),
        ]),
        ("G08-TC02", "Quản lý giá", "Luật Giá năm 2012; Nghị định 177/2013/NĐ-CP", 1, [
            ([P], [
                "Đăng ký giá của các doanh nghiệp thuộc phạm vi cấp tỉnh",
                "Kê khai giá của các doanh nghiệp thuộc phạm vi cấp tỉnh",
                "Hiệp thương giá",
                "Quyết định giá thuộc thẩm quyền của cấp tỉnh",
                "Thẩm định phương án giá",
            ]),
        ]),
        ("G08-TC03", "Tin học, thống kê tài chính", "Thông tư 185/2015/TT-BTC", 1, [
            ([P, D], [
                "Đăng ký mã số đơn vị có quan hệ với ngân sách",
                "Đăng ký thay đổi thông tin mã số đơn vị có quan hệ với ngân sách",
            ]),
        ]),
        ("G08-TC04", "Ngân sách nhà nước", "Luật Ngân sách nhà nước năm 2015; Nghị định 99/2021/NĐ-CP", 1, [
            ([P, D], ["Thẩm tra, phê duyệt quyết toán vốn đầu tư dự án hoàn thành"]),
        ]),
    ],
    "T36-SKHCN": [
        ("G12-KC01", "Hoạt động khoa học và công nghệ", "Luật Khoa học và Công nghệ năm 2013", 1, [
            ([P], [
                "Cấp Giấy chứng nhận đăng ký hoạt động lần đầu cho tổ chức khoa học và công nghệ",
                "Thay đổi, bổ sung nội dung Giấy chứng nhận đăng ký hoạt động của tổ chức khoa học và công nghệ",
                "Cấp lại Giấy chứng nhận đăng ký hoạt động của tổ chức khoa học và công nghệ",
                "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ không sử dụng ngân sách nhà nước",
                "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ cấp tỉnh sử dụng ngân sách nhà nước",
                "Cấp Giấy chứng nhận doanh nghiệp khoa học và công nghệ",
                "Xét tiến cử, tuyển chọn tổ chức, cá nhân chủ trì nhiệm vụ khoa học và công nghệ cấp tỉnh",
                "Đăng ký thông tin kết quả nhiệm vụ khoa học và công nghệ cấp cơ sở",
                "Cấp giấy phép vận chuyển hàng nguy hiểm là chất ôxy hóa, hợp chất ôxít hữu cơ và chất ăn mòn",
            ]),
        ]),
        ("G12-KC02", "Sở hữu trí tuệ", "Luật Sở hữu trí tuệ năm 2005, sửa đổi năm 2022", 1, [
            ([P], [
                "Cấp Giấy chứng nhận tổ chức đủ điều kiện hoạt động giám định sở hữu công nghiệp",
                "Cấp lại Giấy chứng nhận tổ chức đủ điều kiện hoạt động giám định sở hữu công nghiệp",
            ]),
        ]),
        ("G12-KC03", "Tiêu chuẩn, đo lường, chất lượng", "Luật Tiêu chuẩn và Quy chuẩn kỹ thuật năm 2006", 1, [
            ([P], [
                "Đăng ký công bố hợp quy đối với các sản phẩm, hàng hóa",
                "Đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
                "Tiếp nhận hồ sơ công bố hợp chuẩn",
                "Chứng nhận chuẩn đo lường để kiểm định, hiệu chuẩn, thử nghiệm phương tiện đo",
                "Điều chỉnh nội dung quyết định chứng nhận chuẩn đo lường",
                "Xét tặng Giải thưởng chất lượng quốc gia",
            ]),
        ]),
        ("G12-KC04", "An toàn bức xạ và hạt nhân", "Luật Năng lượng nguyên tử năm 2008", 1, [
            ([P], [
                "Cấp giấy phép tiến hành công việc bức xạ - sử dụng thiết bị X-quang chẩn đoán trong y tế",
                "Gia hạn giấy phép tiến hành công việc bức xạ - sử dụng thiết bị X-quang chẩn đoán trong y tế",
                "Sửa đổi, bổ sung giấy phép tiến hành công việc bức xạ - sử dụng thiết bị X-quang chẩn đoán",
                "Cấp lại giấy phép tiến hành công việc bức xạ - sử dụng thiết bị X-quang chẩn đoán trong y tế",
                "Cấp chứng chỉ nhân viên bức xạ cho người phụ trách an toàn cơ sở X-quang chẩn đoán trong y tế",
                "Phê duyệt kế hoạch ứng phó sự cố bức xạ cấp cơ sở",
            ]),
        ]),
        ("G12-KC05", "Chuyển giao công nghệ", "Luật Chuyển giao công nghệ năm 2017", 1, [
            ([P], [
                "Đăng ký chuyển giao công nghệ",
                "Đăng ký gia hạn, sửa đổi, bổ sung nội dung chuyển giao công nghệ",
            ]),
        ]),
    ],
}
FEES = ["Không", "Không", "2.000 đồng/trang", "8.000 đồng/bản", "50.000 đồng/hồ sơ", "100.000 đồng/hồ sơ",
        "200.000 đồng/lần", "500.000 đồng/giấy phép"]
PROCESSING_DAYS = [1, 3, 5, 7, 10, 15, 20]
DISTRICT_WEIGHTS = {"H356": 4, "H358": 1, "H359": 1.5, "H360": 2, "H361": 1.8, "H362": 1.8, "H363": 1.6,
                    "H364": 1.3, "H365": 1.6, "H366": 2.2}
# The procedures most people need carry most dossiers, as on any one-stop portal (relative weights).
BUSIEST = {
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp": 60,
    "Đăng ký khai sinh": 40,
    "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam": 30,
    "Chứng thực chữ ký trong các giấy tờ, văn bản": 20,
    "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi": 20,
    "Đăng ký kết hôn": 15,
    "Cấp Giấy xác nhận tình trạng hôn nhân": 15,
    "Cấp bản sao Trích lục hộ tịch": 15,
    "Chứng thực hợp đồng, giao dịch liên quan đến thực hiện quyền của người sử dụng đất": 15,
    "Đăng ký thành lập hộ kinh doanh": 15,
    "Đăng ký khai tử": 12,
    "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất": 8,
    "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh": 8,
    "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên": 8,
    "Thông báo thay đổi ngành, nghề kinh doanh": 5,
    "Đăng ký thay đổi địa chỉ trụ sở chính của doanh nghiệp": 5,
    "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã": 4,
}
SERVICE_CENTRE = "T36-TTPVHCC"
LEVEL_NAMES = {P: "cấp tỉnh", D: "cấp huyện", C: "cấp xã"}
COMMUNES = [code for code, _name, _district in NAM_DINH_COMMUNES]


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    field: str
    department: str
    level: str
    weight: float


@dataclass
class Seeded:
    procedures: int
    procedures_created: int
    dossiers: int
    dossiers_created: int


def demo_procedures():
    """Return the demo catalogue as plain records, one per procedure and implementing level."""
    records = []
    for department, fields in CATALOGUE.items():
        for field_code, _name, _basis, weight, groups in fields:
            for levels, names in groups:
                for name in names:
                    for level in levels:
                        suffix = f" ({LEVEL_NAMES[level]})" if len(levels) > 1 else ""
                        code = f"1.{2000 + len(records):06d}.000.00.00.H42"
                        records.append(DemoProcedure(code, name + suffix, field_code, department, level,
                                                     weight * BUSIEST.get(name, 1)))
    return records


def seed_procedures(units, users, *, dossiers=ARTICLE_RECEIVED):
    """Create the demo catalogue and push the demo dossiers once; refresh the computed indicators."""
    admin = Actor(users["demo-admin"])
    records = demo_procedures()
    plans = _level_plans(records, random.Random(SEED))
    created = _seed_catalogue(records, plans, units, admin)
    pushed = _seed_dossiers(records, plans, _system_actor(users) or admin, dossiers)
    computed_indicators_refresh(year=2023)
    return Seeded(procedures=len(records), procedures_created=created, dossiers=dossiers, dossiers_created=pushed)


def _system_actor(users):
    keys = ApiKey.objects.filter(service_account=users["demo-system"], revoked=False).order_by("-created")
    api_key = next((key for key in keys if SOURCE in key.source_systems()), None)
    return Actor(users["demo-system"], api_key) if api_key is not None else None


def _seed_catalogue(records, plans, units, actor):
    """Create the procedures that are missing (an administrator's later edits are kept)."""
    fields = {}
    for department_fields in CATALOGUE.values():
        for code, name, _basis, _weight, _groups in department_fields:
            fields[code] = ProcedureField.objects.get_or_create(code=code, defaults={"name": name})[0]
    bases = {code: basis for department_fields in CATALOGUE.values() for code, _n, basis, _w, _g in department_fields}
    existing = set(Procedure.objects.filter(code__in=[r.code for r in records]).values_list("code", flat=True))
    created = 0
    for record, plan in zip(records, plans, strict=True):
        if record.code in existing:
            continue
        procedure = Procedure(
            code=record.code, name=record.name, field=fields[record.field], department=units[record.department],
            at_province=record.level == P, at_district=record.level == D, at_commune=record.level == C,
            processing_time=f"{plan['days']} ngày làm việc", fee=plan["fee"], legal_basis=bases[record.field],
            publication_decision="Quyết định công bố của Chủ tịch UBND tỉnh Nam Định (dữ liệu minh họa)",
            online_level=plan["before"], legacy_level=plan["legacy"], eligible_full_online=plan["eligible"],
            mobile=plan["mobile"], on_national_portal=plan["national"], active_from=plan["active_from"],
            abolished_on=plan["abolished_on"],
        )
        procedure_save(procedure=procedure, actor=actor, channel="system")
        if plan["before"] != plan["now"]:
            procedure.online_level = plan["now"]
            procedure_save(procedure=procedure, actor=actor, channel="system", level_changed_on=plan["changed_on"])
        created += 1
    return created


def _level_plans(records, rng):
    """Decide each procedure's level today and before Decree 42/2022, from a fixed shuffle."""
    order = list(range(len(records)))
    rng.shuffle(order)
    full_count = round(len(records) * FULL_ONLINE_SHARE)
    partial_count = round(len(records) * PARTIAL_SHARE)
    now = {}
    for rank, index in enumerate(order):
        if rank < full_count:
            now[index] = OnlineLevel.FULL
        elif rank < full_count + partial_count:
            now[index] = OnlineLevel.PARTIAL
        else:
            now[index] = OnlineLevel.NONE
    abolished = set(order[full_count - ABOLISHED // 2:full_count + ABOLISHED - ABOLISHED // 2])
    return [_plan(now[index], index in abolished, rng) for index in range(len(records))]


def _plan(level, abolished, rng):
    # Before Decree 42/2022 the level was 1–4; level 4 became full online, 3 partial, 1–2 none.
    if level == OnlineLevel.FULL:
        raised = rng.random() < 0.4
        before, legacy = (OnlineLevel.PARTIAL, 3) if raised else (OnlineLevel.FULL, 4)
    elif level == OnlineLevel.PARTIAL:
        raised = rng.random() < 0.2
        before, legacy = (OnlineLevel.NONE, 2) if raised else (OnlineLevel.PARTIAL, 3)
    else:
        before, legacy = OnlineLevel.NONE, rng.choice([1, 2])
    online = level != OnlineLevel.NONE
    return {
        "now": level, "before": before, "legacy": legacy,
        "changed_on": DECREE_42_DAY + timedelta(days=rng.randrange(0, 120)),
        "active_from": date(2019, 6, 1) + timedelta(days=rng.randrange(0, 730)),
        "abolished_on": date(2024, 1, 1) if abolished else None,
        "days": rng.choice(PROCESSING_DAYS), "fee": rng.choice(FEES),
        "eligible": level == OnlineLevel.FULL or (online and rng.random() < 0.4),
        "mobile": online and rng.random() < (0.9 if level == OnlineLevel.FULL else 0.5),
        "national": online and rng.random() < 0.85,
    }


def _seed_dossiers(records, plans, actor, count):
    """Push `count` dossiers in batches, unless exactly those are already there; return how many were created."""
    if count <= 0 or Dossier.objects.filter(source=SOURCE).count() == count:
        return 0
    rows = DossierPlan(records, plans, count).rows()
    created = 0
    while batch := list(islice(rows, BATCH)):
        summary = dossiers_import(rows=batch, source=SOURCE, actor=actor, channel="system", refresh=False)
        created += summary["counts"]["created"]
    return created


class DossierPlan:
    """Deterministic dossiers whose totals follow the article's proportions for any count.

    Times are minutes from 1 January 2023 00:00 local time until the rows are written: plain integers
    sort and format far faster than datetimes, which matters at 183,600 rows.
    """

    def __init__(self, records, plans, count):
        self.rng = random.Random(SEED + count)
        self.count = count
        self.records, self.plans = records, plans
        self.cumulative = _cumulative([r.weight * min(self.rng.paretovariate(3), 3) for r in records])
        self.district_cumulative = _cumulative(DISTRICT_WEIGHTS.values())
        self.districts = list(DISTRICT_WEIGHTS)

    def rows(self):
        """Yield the rows in the order received (a generator: only one batch is ever held as dicts)."""
        drafts = sorted(self._draft() for _ in range(self.count))
        outcomes = self._outcomes(drafts)
        sequence = {}
        for index, (received, due, record_index, unit_code, channel) in enumerate(drafts):
            key = (unit_code, received // DAY)
            sequence[key] = sequence.get(key, 0) + 1
            code = f"{unit_code}-{SHORT_DAYS[received // DAY]}-{sequence[key]:05d}"
            yield self._row(code, received, due, record_index, unit_code, channel, outcomes.get(index, "on_time"))

    def _draft(self):
        random_ = self.rng.random
        record_index = bisect(self.cumulative, random_() * self.cumulative[-1])
        plan = self.plans[record_index]
        channel = self._channel(plan["now"])
        day = int(random_() * DAYS_RECEIVING)
        if channel == "online":
            minute = 6 * 60 + int(random_() * 17 * 60)
        else:
            day += (day % 7 == 0 and day < DAYS_RECEIVING - 1)  # offices are closed on Sundays (day 0 is one)
            minute = 7 * 60 + int(random_() * 10 * 60)
        # Working days to calendar days, roughly; results are due at 17:00.
        due = (day + (plan["days"] * 7 + 4) // 5) * DAY + 17 * 60
        return day * DAY + minute, due, record_index, self._unit(self.records[record_index]), channel

    def _channel(self, level):
        online_share = {OnlineLevel.FULL: 0.65, OnlineLevel.PARTIAL: 0.35}.get(level, 0)
        draw = self.rng.random()
        return "online" if draw < online_share else ("post" if draw < online_share + 0.05 else "in_person")

    def _unit(self, record):
        draw = self.rng.random()
        if record.level == P:
            return SERVICE_CENTRE if draw < 0.3 else record.department
        if record.level == D:
            return self.districts[bisect(self.district_cumulative, draw * self.district_cumulative[-1])]
        return COMMUNES[int(draw * len(COMMUNES))]

    def _outcomes(self, drafts):
        """Pending: the latest received; withdrawn, late and rejected drawn among the others."""
        processed = round(self.count * ARTICLE_PROCESSED / ARTICLE_RECEIVED)
        others = self.count - processed
        withdrawn = round(others * 0.05)
        pending = others - withdrawn
        late = round(processed * (1 - ARTICLE_ON_TIME))
        outcomes = {index: "pending" for index in range(self.count - pending, self.count)}
        settled = range(self.count - pending)
        for index in self.rng.sample(settled, withdrawn):
            outcomes[index] = "withdrawn"
        can_be_late = [i for i in settled if i not in outcomes and drafts[i][1] + 3 * DAY < LAST_MINUTE]
        for index in self.rng.sample(can_be_late, min(late, len(can_be_late))):
            outcomes[index] = "late"
        on_time = [i for i in settled if i not in outcomes]
        for index in self.rng.sample(on_time, round(len(on_time) * 0.015)):
            outcomes[index] = "rejected"
        return outcomes

    def _row(self, code, received, due, record_index, unit_code, channel, fate):
        random_, plan = self.rng.random, self.plans[record_index]
        if fate == "pending":
            completed, outcome = None, "pending"
        elif fate == "late":
            completed, outcome = due + 120 + int(random_() * 70 * 60), "resolved"
        elif fate == "withdrawn":
            completed, outcome = min(received + 120, LAST_MINUTE), "withdrawn"
        else:
            completed = min(received + int((due - received) * (0.15 + 0.83 * random_())), LAST_MINUTE)
            outcome = "resolved" if fate == "on_time" else fate
        fee = plan["fee"] != "Không"
        online = channel == "online"
        processed = outcome in ("resolved", "rejected")
        return {
            "code": code, "procedure": self.records[record_index].code, "unit": unit_code, "channel": channel,
            "received_at": _stamp(received), "due_at": _stamp(due),
            "completed_at": _stamp(completed) if completed is not None else "", "outcome": outcome,
            "fee_required": fee, "paid_online": fee and online and random_() < 0.6,
            "digitized": random_() < (0.85 if online else 0.6),
            "e_result": processed and random_() < (0.8 if plan["now"] == OnlineLevel.FULL else 0.3),
        }


def _stamp(minute):
    day, minute = divmod(minute, DAY)
    return f"{ISO_DAYS[day]}T{minute // 60:02d}:{minute % 60:02d}:00+07:00"


def _cumulative(weights):
    return list(accumulate(weights))
