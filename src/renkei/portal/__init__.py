"""マイナポータル: citizen sessions, やりとり履歴, 自己情報, お知らせ."""
