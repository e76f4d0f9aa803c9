"""The desk's pages: one module per page (Today, Customers, Customer, Complaints, Follow-ups, Reports, Duplicates),
with the base they share. Pages may import the dialogs, the widgets and the core's public packages."""
