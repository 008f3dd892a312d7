"""LGWAN-ASP registry (J-LIS, 総合行政ネットワーク運営主体): services offered over LGWAN, their 登録・接続審査 and status.

A national service; municipalities (the network check in governance) read the registered services over
`renkei.protocol.lgwan`. Decision 0087.
"""
