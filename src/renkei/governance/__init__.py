"""安全管理措置 (governance): 事務 and files, 手順表, リスク分析表, PIA, training, incidents, network check, indicators.

Modules: `register` (事務, 特定個人情報ファイル, 情報資産取扱手順表, リスク分析表), `discrepancies` (imported figures
the formulas contradict), `scales` (the seeds' scales and formulas), `pia`, `issues`, `training`, `incidents`, `network`, `indicators`,
`overview`, `excel` (workbook export and all-or-nothing import), `pdf` (the risk analysis for the 評価書 annex).
See docs/governance.md.
"""
