{extends file="layout.tpl"}
