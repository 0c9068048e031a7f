"""Reporting regimes (chế độ báo cáo, Decree 09/2019/NĐ-CP): what a period covers, its deadline, working days."""
