"""既存業務システム接続: the files municipal business systems exchange with the intermediate server.

CSV and IF_DBM-style XML for 副本登録, the fixed-width bulk query request file and its result file. Readers are
generators (memory stays flat in the file size) and name the line and field of every bad entry.
"""
